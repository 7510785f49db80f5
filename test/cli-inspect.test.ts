import { setupBackend } from '@distillery/core';
import { createCnn } from '@distillery/students';
import { EnsembleTeacher } from '@distillery/teachers';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-inspect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('distillery inspect', () => {
  it('lists a saved model’s layer names and output shapes, as text and as JSON', async () => {
    const modelDir = join(dir, 'cnn');
    const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [4, 8], dense: [16], batchNorm: true, seed: 3 });
    await model.save(modelDir);
    model.dispose();
    const text = await runCli(['inspect', modelDir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^cnn-4-8-bn: input \[28, 28, 1\] → 10 classes, [\d,]+ parameters\n/);
    expect(text.stdout).toMatch(/\n {2}conv2d_1 +Conv2D +\[28, 28, 4\]\n {2}batch_normalization_1 +BatchNormalization +\[28, 28, 4\]\n/);
    expect(text.stdout).toMatch(/\n {2}activation_2 +Activation +\[14, 14, 8\]\n/);
    const json = await runCli(['inspect', modelDir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const outcome = JSON.parse(json.stdout) as { features: { name: string; shape: number[] }[] };
    expect(outcome.features.map((f) => f.name)).toEqual([
      'conv2d_1', 'batch_normalization_1', 'activation_1', 'max_pooling2d_1',
      'conv2d_2', 'batch_normalization_2', 'activation_2', 'max_pooling2d_2',
      'flatten_1', 'dense_1', 'dense_2',
    ]);
    expect(outcome.features.find((f) => f.name === 'dense_1')?.shape).toEqual([16]);
  });

  it("an ensemble's folder: says it has no layers of its own and names a member's folder to inspect; an ensemble's eval works", async () => {
    const folder = join(dir, 'ensemble');
    const members = [1, 2].map((seed) => createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [4], dense: [8], seed }));
    const ensemble = new EnsembleTeacher({ members, name: 'two-cnns' });
    await ensemble.save(folder);
    ensemble.dispose();
    const inspected = await runCli(['inspect', folder]);
    expect(inspected.code).toBe(1);
    expect(inspected.stderr).toBe(
      `distillery: ${folder} holds an ensemble (two-cnns, 2 teachers): it has no layers of its own, and feature terms cannot connect one; inspect a member instead: distillery inspect ${join(folder, 'member-0')}\n`,
    );
    const member = await runCli(['inspect', join(folder, 'member-0')]);
    expect(member.stdout).toMatch(/^cnn-4: input \[28, 28, 1\]/);
    // eval read model.json only ("…/model.json is missing").
    const evaluated = await runCli(['eval', folder, '--data', 'mnist-embedded', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ model: 'two-cnns' });
  });

  it('names the folder when it holds no model', async () => {
    const result = await runCli(['inspect', join(dir, 'nowhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^distillery: .*nowhere/);
  });

  it('says what a saved model is when given a file that is not one, or a .onnx that is missing; export refuses a folder for --onnx', async () => {
    // They said "model directory … does not exist", "onnx.file: …" (config words) and "EISDIR: illegal operation on a directory".
    const config = join(dir, 'my.yaml');
    await writeFile(config, 'name: x\n');
    const file = await runCli(['inspect', config]);
    expect(file.stderr).toBe(
      `distillery: ${config} is a file, not a saved model: that is a folder (model.json and its weights, an ONNX teacher's model.onnx, or an ensemble's ensemble.json) or a .onnx file\n`,
    );
    const missing = await runCli(['inspect', join(dir, 'gone.onnx')]);
    expect(missing.stderr).toBe(`distillery: ONNX file ${join(dir, 'gone.onnx')} does not exist\n`);
    const modelDir = join(dir, 'to-export');
    const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [4], dense: [8], seed: 1 });
    await model.save(modelDir);
    model.dispose();
    const exported = await runCli(['export', modelDir, '--onnx', dir]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toBe(`distillery: --onnx ${dir}: is a folder; give the file to write, e.g. --onnx ${join(dir, 'model.onnx')}\n`);
  });
});
