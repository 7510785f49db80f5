import { DistillationTrainer, InMemoryDataset, LayersClassifier, createRandom, setupBackend, termWeightAt, tf, type EpochRecord } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { constantWeight, createLoss, distillationObjective, linearWarmup, lossTerm, supervisedObjective } from '../src/index.js';
import { evaluateLoss, randomLogits } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});

describe('distillationObjective', () => {
  it('composes ce + λ·kd, or (1−λ)·ce + λ·kd', () => {
    const sum = distillationObjective({ lambda: 0.3, temperature: 4 });
    expect(sum.terms.map((t) => [t.name, t.weight, t.data])).toEqual([
      ['ce', 1, 'labelled'],
      ['kd', 0.3, 'transfer'],
    ]);
    const convex = distillationObjective({ lambda: 0.3, temperature: 4, form: 'convex' });
    expect(convex.terms.map((t) => t.weight)).toEqual([0.7, 0.3]);
    expect(distillationObjective({ lambda: 0, temperature: 4 }).terms.map((t) => t.name)).toEqual(['ce']);
    expect(distillationObjective({ lambda: 1, temperature: 4, form: 'convex' }).terms.map((t) => t.name)).toEqual(['kd']);
    expect(supervisedObjective().terms.map((t) => t.name)).toEqual(['ce']);
  });

  it('rejects λ outside [0, 1]', () => {
    expect(() => distillationObjective({ lambda: 1.5, temperature: 4 })).toThrow('lambda: expected a number in [0, 1], got 1.5');
    expect(() => distillationObjective({ lambda: -0.1, temperature: 4 })).toThrow(/lambda/);
  });

  it('uses kd at the objective temperature by default, and a given Loss as it is', async () => {
    const student = randomLogits(4, 10, 3, 1);
    const teacher = randomLogits(4, 10, 3, 2);
    const transferLoss = (options: Parameters<typeof distillationObjective>[0]) => distillationObjective(options).terms.find((t) => t.data === 'transfer')!.loss;
    const value = async (loss: ReturnType<typeof transferLoss>) => (await evaluateLoss(loss, student, teacher, { epoch: 30 })).value;
    expect(await value(transferLoss({ lambda: 1, temperature: 2 }))).toBe(await value(createLoss('kd', { temperature: 2 })));
    expect(await value(transferLoss({ lambda: 1, temperature: 2 }))).not.toBe(await value(createLoss('kd', { temperature: 4 })));
    // Losses named in a config go through the registry (runner's createObjective, tested there).
    const dist = createLoss('dist');
    expect(transferLoss({ lambda: 1, temperature: 2, distillationLoss: dist })).toBe(dist);
  });
});

describe('weights and terms', () => {
  it('linearWarmup rises from to/epochs in epoch 0 to `to` in epoch epochs − 1, then stays', () => {
    const weight = linearWarmup(2, 4);
    expect([0, 1, 2, 3, 4, 100].map((epoch) => termWeightAt(weight, epoch))).toEqual([0.5, 1, 1.5, 2, 2, 2]);
    expect(() => linearWarmup(1, 0)).toThrow('linearWarmup.epochs: expected a positive integer, got 0');
    expect(() => linearWarmup(-1, 3)).toThrow('linearWarmup.to: expected a finite number ≥ 0, got -1');
    expect(constantWeight(0.5)).toBe(0.5);
    expect(() => constantWeight(Number.NaN)).toThrow('weight: expected a finite number ≥ 0, got NaN');
  });

  it('lossTerm puts a loss on the data it needs', () => {
    expect(lossTerm(createLoss('ce')).data).toBe('labelled');
    expect(lossTerm(createLoss('dist'), 3)).toMatchObject({ name: 'dist', weight: 3, data: 'transfer' });
  });

  it('trains a student on ce + a warmed-up dkd + dist, reporting each term, leaving no tensor behind', async () => {
    const rng = createRandom(3);
    const n = 64;
    const features = Float32Array.from({ length: n * 4 }, () => rng.next() * 2 - 1);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const data = new InMemoryDataset({ name: 'toy', inputShape: [4], numClasses: 3, features, labels });
    const teacherLogits = { values: Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === labels[Math.floor(i / 3)] ? 3 : 0)), size: n, numClasses: 3 };
    const objective = {
      terms: [lossTerm(createLoss('ce')), lossTerm(createLoss('dkd', { warmupEpochs: 2 }), 0.5), lossTerm(createLoss('dist'), linearWarmup(1, 2))],
    };
    const records: EpochRecord[] = [];
    await expectNoTensorLeak(async () => {
      const model = new LayersClassifier(
        'toy-mlp',
        tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] }),
      );
      const trainer = new DistillationTrainer();
      trainer.events.on('epoch:end', (record) => records.push(record));
      await trainer.train({ model, objective, data: { labelled: data, transfer: { dataset: data, teacherLogits } }, options: { epochs: 3, batchSize: 16, learningRate: 1e-2, seed: 1 } });
      model.dispose();
    });
    expect(records).toHaveLength(3);
    for (const record of records) {
      expect(Object.keys(record.losses)).toEqual(['ce', 'dkd', 'dist']);
      expect(Object.values(record.losses).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    }
  });
});
