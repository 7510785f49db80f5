import { DistillationTrainer, InMemoryDataset, defaultMaxLoss, setupBackend, tf, type Loss, type TrainOptions } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { distillationObjective, kdLoss, supervisedObjective } from '@distillery/losses';
import { createMlp } from '@distillery/students';
import { beforeAll, describe, expect, it } from 'vitest';

let train: InMemoryDataset;
beforeAll(async () => {
  await setupBackend();
  train = embeddedMnistSplit().train.subset(Array.from({ length: 256 }, (_, i) => i), 'mnist-256');
});

const options = (learningRate: number, extra: Partial<TrainOptions> = {}): TrainOptions => ({ epochs: 3, batchSize: 32, learningRate, seed: 1, ...extra });
const student = () => createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [32], seed: 1 });

async function trainError(run: () => Promise<unknown>): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const before = tf.memory().numTensors;
  const error = await run().then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string; details?: Record<string, unknown> },
  );
  expect(tf.memory().numTensors).toBe(before);
  if (error === undefined) throw new Error('expected training to fail');
  return error;
}

describe('divergence', () => {
  it('a learning rate of 1e30 stops training as E_DIVERGED naming term, epoch and rate — never E_DATASET blaming the data', async () => {
    const model = student();
    const error = await trainError(() => new DistillationTrainer().train({ model, objective: supervisedObjective(), data: { labelled: train }, options: options(1e30) }));
    model.dispose();
    expect(error.code).toBe('E_DIVERGED');
    expect(error.message).toMatch(/^training diverged at epoch 1, step \d+: .*learning rate 1e\+30/);
    expect(error.message).toContain('ce');
    expect(error.details).toMatchObject({ term: 'ce', epoch: 0, learningRate: 1e30 });
  });

  it('learning rates of 100 and 1e6 explode past the bound: stopped as diverged, not recorded as a finished run at chance', async () => {
    for (const learningRate of [100, 1e6]) {
      const model = student();
      const error = await trainError(() => new DistillationTrainer().train({ model, objective: supervisedObjective(), data: { labelled: train }, options: options(learningRate) }));
      model.dispose();
      expect(error.code).toBe('E_DIVERGED');
      expect(error.message).toContain(`learning rate ${learningRate}`);
    }
    // The same run under the bound it would pass is a normal run: the check is the bound, not the rate.
    const model = student();
    const result = await new DistillationTrainer().train({ model, objective: supervisedObjective(), data: { labelled: train }, options: options(100, { maxLoss: Infinity, epochs: 1 }) });
    model.dispose();
    expect(result.history[0]!.losses['ce']!).toBeGreaterThan(defaultMaxLoss(10));
  });

  it('a loss plugin that returns NaN stops at its first step as diverged, naming that term, with the weights untouched', async () => {
    const nanLoss: Loss = { name: 'broken', requires: ['teacherLogits'], compute: ({ studentLogits }) => tf.mul(tf.mean(studentLogits), NaN) as tf.Scalar };
    const model = student();
    const before = model.trainableVariables().map((v) => Array.from(v.dataSync()));
    const teacherLogits = { size: train.size, numClasses: 10, values: new Float32Array(train.size * 10) };
    const objective = distillationObjective({ lambda: 1, temperature: 4, distillationLoss: nanLoss });
    const error = await trainError(() =>
      new DistillationTrainer().train({ model, objective, data: { labelled: train, transfer: { dataset: train, teacherLogits } }, options: options(1e-3) }),
    );
    const after = model.trainableVariables().map((v) => Array.from(v.dataSync()));
    model.dispose();
    expect(error.code).toBe('E_DIVERGED');
    expect(error.message).toMatch(/^training diverged at epoch 1, step 1: loss term broken is NaN \(step\)/);
    expect(after).toEqual(before);
  });

  it('NaN in the input features is still a data error: caught before any update', async () => {
    const indices = Array.from({ length: train.size }, (_, i) => i);
    const features = new Float32Array(train.size * 784);
    train.copyFeatures(indices, features);
    features.fill(NaN, 0, 784 * train.size);
    const labels = Int32Array.from(indices, (i) => train.label(i));
    const bad = new InMemoryDataset({ name: 'nan-pixels', inputShape: [28, 28, 1], numClasses: 10, features, labels });
    const model = student();
    const error = await trainError(() => new DistillationTrainer().train({ model, objective: supervisedObjective(), data: { labelled: bad }, options: options(1e-3) }));
    model.dispose();
    expect(error.code).toBe('E_DATASET');
    expect(error.message).toBe('ce: student logits hold NaN at row 0, class 0 before any training step: the input features (or the student\'s initial weights) hold NaN or ±∞');
  });

  it('a healthy distillation run is not flagged', async () => {
    const model = student();
    const teacherLogits = { size: train.size, numClasses: 10, values: Float32Array.from({ length: train.size * 10 }, (_, i) => (i % 10 === train.label(Math.floor(i / 10)) ? 5 : 0)) };
    const objective = distillationObjective({ lambda: 1, temperature: 4, distillationLoss: kdLoss({ temperature: 4 }) });
    const result = await new DistillationTrainer().train({ model, objective, data: { labelled: train, transfer: { dataset: train, teacherLogits } }, options: options(3e-3) });
    model.dispose();
    expect(result.history).toHaveLength(3);
  });
});
