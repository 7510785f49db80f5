import { listFeatures, loadModel, setupBackend } from '@distillery/core';
import { decodeOnnxModel, toOnnx } from '@distillery/onnx';
import { createCnn } from '@distillery/students';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-features-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STUDENT = { filters: [4, 8], dense: [16] };

/** A CNN teacher → small CNN student run on 600 digits with attention transfer and a hint through an adapter. */
function config(features: string): string {
  return `name: features
seed: 1
workers: 0
data:
  dataset: mnist-embedded
  options: { limit: { train: 600, test: 200 } }
  labelledCount: 60
teacher:
  plugin: cnn
  options: { filters: [8, 16], dense: [32] }
  train: { epochs: 1, batchSize: 64, learningRate: 0.003 }
student:
  plugin: cnn
  options: ${JSON.stringify(STUDENT)}
  train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 0.003 }
distillation:
  loss: kd
  lambda: 1
  temperature: 4
  features:
${features}
sweep:
  grid: { lambda: [0.5, 1] }
`;
}

const FEATURES = `    - { student: conv2d_2, teacher: conv2d_2, loss: at, weight: 1000 }
    - { student: dense_1, teacher: dense_1, loss: hint, adapter: dense, weight: 0.1 }`;

/** Initializer names and shapes of a model's ONNX export: what an exported student carries. */
async function onnxWeights(bytes: Uint8Array): Promise<string[]> {
  return decodeOnnxModel(bytes).graph.initializers.map((t) => `${t.name} [${t.dims.join(', ')}]`).sort();
}

describe('feature terms in a config (distillation.features)', () => {
  it('distils with at + hint through the CLI; the saved and exported student carries no adapter', async () => {
    const file = join(dir, 'features.yaml');
    await writeFile(file, config(FEATURES));
    const out = join(dir, 'run');
    const result = await runCli(['run', file, '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as {
      report: { settings: { features?: string[]; onlineTeacher?: boolean }; studentKd: { accuracy: number } };
      histories: { studentKd: { losses: Record<string, number> }[] };
    };
    expect(run.report.settings).toMatchObject({ features: ['at(conv2d_2→conv2d_2)', 'hint(dense_1→dense_1)'], onlineTeacher: true });
    const [first, last] = [run.histories.studentKd[0]!.losses, run.histories.studentKd.at(-1)!.losses];
    expect(Object.keys(first)).toEqual(['ce', 'kd', 'at(conv2d_2→conv2d_2)', 'hint(dense_1→dense_1)']);
    expect(last['at(conv2d_2→conv2d_2)']!).toBeLessThan(first['at(conv2d_2→conv2d_2)']!);
    expect(run.report.studentKd.accuracy).toBeGreaterThan(0.3);

    // The saved student is the student's architecture, layer for layer and weight for weight.
    const fresh = createCnn({ inputShape: [28, 28, 1], numClasses: 10, ...STUDENT, seed: 1 });
    const saved = await loadModel(join(out, 'student'));
    expect(listFeatures(saved)).toEqual(listFeatures(fresh));
    expect(saved.countParams()).toBe(fresh.countParams());
    const manifest = JSON.parse(await readFile(join(out, 'student', 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
    expect(manifest.weightsManifest.flatMap((g) => g.weights).length).toBe(fresh.trainableVariables().length);

    // And so is its ONNX export.
    const onnxFile = join(dir, 'student.onnx');
    const exported = await runCli(['export', join(out, 'student'), '--onnx', onnxFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(await onnxWeights(new Uint8Array(await readFile(onnxFile)))).toEqual(await onnxWeights(await toOnnx(fresh)));
    fresh.dispose();
    saved.dispose();
  }, 300_000);

  it('a layer the student lacks fails before the teacher trains, naming the field and the layers it has', async () => {
    const file = join(dir, 'bad-layer.yaml');
    await writeFile(file, config('    - { student: conv2d_9, teacher: conv2d_2, loss: at }'));
    const started = Date.now();
    const result = await runCli(['run', file, '--out', join(dir, 'bad'), '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /bad-layer\.yaml: distillation\.features: feature term at\(conv2d_9→conv2d_2\): student cnn-4-8 has no layer "conv2d_9"; its layers are: conv2d_1 \[28, 28, 4\],/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a logit loss as a feature loss, and feature terms in a sweep, in one sentence each', async () => {
    const logit = join(dir, 'logit.yaml');
    await writeFile(logit, config('    - { student: conv2d_2, teacher: conv2d_2, loss: kd }'));
    const a = await runCli(['run', logit, '--out', join(dir, 'bad2'), '--quiet']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/logit\.yaml: distillation\.features\[0\]: features\.loss: kd is not a feature loss/);
    const sweep = join(dir, 'sweep.yaml');
    await writeFile(sweep, config(FEATURES));
    const b = await runCli(['sweep', sweep, '--out', join(dir, 'sweep')]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/distillation\.features: feature terms run in `distillery run` only for now/);
  });
});
