import { setupBackend, type Dataset } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueExecutor, RunnerPool, distill, generateSoftLabels, startQueueWorker, sweep } from '../src/index.js';
import { randomDataset } from './helpers/random-dataset.js';

// Plain JavaScript callers have no compiler to catch a misspelt option: it was silently ignored
// (`worker: 2` ran in this thread) or ended in a TypeError from inside (`seed: [1]`, `data:`).
let dataset: Dataset;
beforeAll(async () => {
  await setupBackend();
  dataset = randomDataset(40, 1);
});
const teacher = () => createMlp({ inputShape: [6, 6, 1], numClasses: 5, hidden: [4], seed: 1 });
const untyped = (o: unknown) => o as never;
const sweepBase = { data: { labelledCount: 10 }, student: { plugin: 'mlp', options: { hidden: [4] }, train: { epochs: 1, batchSize: 8 } }, distillation: { lambda: 1, temperature: 2 } };

describe('the options of a public call', () => {
  let model: ReturnType<typeof teacher>;
  beforeAll(() => {
    model = teacher();
  });
  afterAll(() => model.dispose());

  it('are refused when misspelt, naming the closest known one, before anything runs', async () => {
    await expect(generateSoftLabels(untyped({ teacher: model, dataset, worker: 2 }))).rejects.toThrow(
      'generateSoftLabels: unknown option "worker" (did you mean "workers"?); it takes teacher, dataset, workers, pool, runtime,',
    );
    const sweepOptions = { directory: '/nonexistent/never-made', base: sweepBase, grid: { temperature: [1] }, train: dataset, test: dataset, teacher: { model } };
    await expect(sweep(untyped({ ...sweepOptions, seed: [1] }))).rejects.toThrow('sweep: unknown option "seed" (did you mean "seeds"?); it takes directory, base, grid, seeds,');
    await expect(sweep(untyped({ ...sweepOptions, seeds: [1], teacher: { modle: model } }))).rejects.toThrow('sweep teacher: unknown option "modle" (did you mean "model"?); it takes model, cache');
    await expect(sweep(untyped({ ...sweepOptions, seeds: [1], teacher: { logits: {}, fingerprnt: 'a' } }))).rejects.toThrow('sweep teacher: unknown option "fingerprnt" (did you mean "fingerprint"?)');
    await expect(distill(untyped({ train: dataset, test: dataset, teacher: { model }, lamda: 1 }))).rejects.toThrow('distill: unknown option "lamda" (did you mean "lambda"?)');
    expect(() => new RunnerPool(untyped({ worker: 2 }))).toThrow('new RunnerPool: unknown option "worker" (did you mean "workers"?); it takes workers, backend, resourceLimits, plugins, baseDir');
    await expect(startQueueWorker(untyped({ url: 'redis://127.0.0.1:1', concurency: 2 }))).rejects.toThrow('startQueueWorker: unknown option "concurency" (did you mean "concurrency"?)');
    await expect(QueueExecutor.open(untyped({ url: 'redis://127.0.0.1:1', sweep: 'a', dataset: {}, attempt: 3 }))).rejects.toThrow('QueueExecutor.open: unknown option "attempt" (did you mean "attempts"?)');
  });

  it('are refused when a required one is missing or they are not an object', async () => {
    await expect(generateSoftLabels(untyped({ teacher: model }))).rejects.toThrow('generateSoftLabels: "dataset" is required');
    await expect(sweep(untyped({ directory: '/nonexistent/never-made', base: sweepBase, grid: {} }))).rejects.toThrow('sweep: "seeds", "train", "test", "teacher" are required');
    await expect(generateSoftLabels(untyped(undefined))).rejects.toThrow('generateSoftLabels: expected an options object, got undefined');
    // Given, and spelt right: no complaint (a default pool here).
    expect((await generateSoftLabels({ teacher: model, dataset })).logits.size).toBe(40);
  });
});
