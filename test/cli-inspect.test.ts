import { setupBackend } from '@distillery/core';
import { createCnn } from '@distillery/students';
import { mkdtemp, rm } from 'node:fs/promises';
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

  it('names the folder when it holds no model', async () => {
    const result = await runCli(['inspect', join(dir, 'nowhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^distillery: .*nowhere/);
  });
});
