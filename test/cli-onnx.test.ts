import { loadModel, setupBackend, tf } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { OrtLogitsSession } from '@distillery/onnx';
import { createCnn } from '@distillery/students';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

const PYTORCH_TEACHER = fileURLToPath(new URL('../packages/teachers/test/fixtures/pytorch-teacher.onnx', import.meta.url));

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('distillery export', () => {
  it('writes a saved model as ONNX, checks it on onnxruntime, and the file gives the tfjs logits on the test set', async () => {
    const modelDir = join(dir, 'student');
    const student = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [4], dense: [16], batchNorm: true, seed: 3 });
    await student.save(modelDir);
    student.dispose();
    const out = join(dir, 'student.onnx');
    const result = await runCli(['export', modelDir, '--onnx', out]);
    expect(result.code, result.stderr).toBe(0);
    const reported = /checked on onnxruntime: max \|Δ logits\| (\S+)/.exec(result.stdout);
    expect(Number(reported?.[1])).toBeLessThanOrEqual(1e-4);
    expect(result.stdout).toMatch(/input 'input' \[batch, 28, 28, 1\] → 'logits' \[batch, 10\]/);

    // The file on its own, against the saved model, on 500 test digits.
    const model = await loadModel(modelDir);
    const { test } = embeddedMnistSplit();
    const batch = test.batchOf(Int32Array.from({ length: 500 }, (_, i) => i));
    const logits = model.forward(batch.x);
    const session = await OrtLogitsSession.create(new Uint8Array(readFileSync(out)), model, out);
    const ort = await session.run((await batch.x.data()) as Float32Array, 500);
    const expected = await logits.data();
    expect(ort.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0)).toBeLessThanOrEqual(1e-4);
    await session.release();
    tf.dispose([logits, batch.x, batch.y]);
    model.dispose();
  });

  it('says what is wrong with a folder that holds no model', async () => {
    const result = await runCli(['export', join(dir, 'nowhere'), '--onnx', join(dir, 'x.onnx')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^distillery: .*nowhere/);
  });
});

describe('an ONNX teacher in a config', () => {
  it('labels with a PyTorch-exported teacher on onnxruntime in the workers (teacher: { plugin: onnx, options: { file } })', async () => {
    const config = join(dir, 'onnx-teacher.yaml');
    const tiny = await readFile(TINY_CONFIG, 'utf8');
    await writeFile(
      config,
      tiny.replace(/teacher:\n( {2}.*\n)+/, `teacher:\n  plugin: onnx\n  options: { file: ${JSON.stringify(PYTORCH_TEACHER)} }\n`),
    );
    const result = await runCli(['label', config, '--out', join(dir, 'label'), '--workers', '2', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(outcome).toMatchObject({ runtime: 'ort', examples: 600, classes: 10, cache: 'miss' });
    // Evaluated in the main thread on the tfjs runtime (the first 200 test digits).
    const labels = JSON.parse(await readFile(join(dir, 'label', 'labels.json'), 'utf8')) as { teacherAccuracy: number };
    expect(labels.teacherAccuracy).toBeGreaterThan(0.9);
  });
});

describe("an ONNX teacher's saved folder", () => {
  it('is read back by eval, inspect, export and --teacher (they wanted model.json), and a .onnx file is inspected on its own', { timeout: 120_000 }, async () => {
    const config = join(dir, 'onnx-teacher-run.yaml');
    const tiny = await readFile(TINY_CONFIG, 'utf8');
    await writeFile(config, tiny.replace(/teacher:\n( {2}.*\n)+/, `teacher:\n  plugin: onnx\n  options: { file: ${JSON.stringify(PYTORCH_TEACHER)} }\n`));
    const out = join(dir, 'onnx-run');
    const run = await runCli(['run', config, '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const teacherDir = join(out, 'teacher');
    expect(JSON.parse(await readFile(join(teacherDir, 'onnx-teacher.json'), 'utf8'))).toEqual({
      format: 'distillery-onnx-teacher',
      name: 'pytorch-teacher',
      inputShape: [28, 28, 1],
      numClasses: 10,
      layout: 'nchw',
    });
    const reported = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { teacher: { accuracy: number } };

    const evaluated = await runCli(['eval', teacherDir, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ model: 'pytorch-teacher', accuracy: reported.teacher.accuracy });

    // The folder, and the file with no dataset beside it: its [batch, 1, 28, 28] input read as 28×28 images of 1 channel.
    for (const target of [teacherDir, PYTORCH_TEACHER]) {
      const inspected = await runCli(['inspect', target]);
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(inspected.stdout).toMatch(/^pytorch-teacher: input \[28, 28, 1\] → 10 classes/);
      expect(inspected.stdout).toMatch(/ Conv +\[\d+, \d+, \d+\]/);
    }

    const exported = await runCli(['export', teacherDir, '--onnx', join(dir, 'again.onnx')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(join(dir, 'again.onnx'))).toEqual(readFileSync(PYTORCH_TEACHER));

    const again = await runCli(['run', TINY_CONFIG, '--teacher', teacherDir, '--out', join(dir, 'onnx-run-again'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'onnx-run-again', 'report.json'), 'utf8'))).toMatchObject({ teacher: { accuracy: reported.teacher.accuracy } });
  });
});
