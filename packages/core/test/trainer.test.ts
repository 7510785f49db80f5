import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DistillationTrainer,
  InMemoryDataset,
  LayersClassifier,
  createRandom,
  evaluateModel,
  predictLogits,
  setupBackend,
  type Augmentation,
  type Loss,
  type Objective,
  type TrainOptions,
} from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

/** Two Gaussian blobs in 2-D: class = sign of x0 + x1. Easy to learn, hard to fake. */
function blobs(n: number, seed: number): InMemoryDataset {
  const rng = createRandom(seed);
  const features = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const centre = label === 0 ? -1.5 : 1.5;
    features[i * 2] = centre + (rng.next() - 0.5) * 2;
    features[i * 2 + 1] = centre + (rng.next() - 0.5) * 2;
    labels[i] = label;
  }
  return new InMemoryDataset({ name: `blobs-${seed}`, inputShape: [2], numClasses: 2, features, labels });
}

function model(seed = 1): LayersClassifier {
  const init = (s: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: s }) });
  return new LayersClassifier(
    'tiny',
    tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 8, activation: 'relu', ...init(seed) }),
        tf.layers.dropout({ rate: 0.1 }),
        tf.layers.dense({ units: 2, ...init(seed + 1) }),
      ],
    }),
  );
}

// Minimal losses written here so core's trainer is tested without the losses package.
const ce: Loss = {
  name: 'ce',
  requires: ['labels'],
  compute: ({ studentLogits, labels }) =>
    tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels!, 2), tf.logSoftmax(studentLogits)), 1))) as tf.Scalar,
};
const matchTeacher: Loss = {
  name: 'mse',
  requires: ['teacherLogits'],
  compute: ({ studentLogits, teacherLogits }) => tf.mean(tf.square(tf.sub(studentLogits, teacherLogits!))) as tf.Scalar,
};
const supervised: Objective = { terms: [{ name: 'ce', loss: ce, weight: 1, data: 'labelled' }] };
const options: TrainOptions = { epochs: 5, batchSize: 16, learningRate: 0.05, seed: 3 };

beforeAll(async () => {
  await setupBackend();
});

describe('DistillationTrainer', () => {
  it('learns a separable problem and emits typed events in order', async () => {
    const train = blobs(200, 1);
    const test = blobs(200, 2);
    const student = model();
    const trainer = new DistillationTrainer();
    const seen: string[] = [];
    trainer.events.on('run:start', (e) => seen.push(`start:${e.stepsPerEpoch}`));
    trainer.events.on('epoch:end', (e) => seen.push(`epoch:${e.epoch}`));
    trainer.events.on('batch:end', (e) => {
      if (e.step === 10) seen.push(`batch:${e.epoch}`);
    });
    trainer.events.on('run:end', (e) => seen.push(`end:${e.steps}`));
    const result = await expectNoTensorLeak(() =>
      trainer.train({ model: student, objective: supervised, data: { labelled: train }, options }),
    );
    expect(seen).toEqual(['start:13', 'batch:0', 'epoch:0', 'batch:1', 'epoch:1', 'batch:2', 'epoch:2', 'batch:3', 'epoch:3', 'batch:4', 'epoch:4', 'end:65']);
    expect(result.history[4]!.losses['ce']!).toBeLessThan(result.history[0]!.losses['ce']!);
    expect((await evaluateModel(student, test)).accuracy).toBeGreaterThan(0.95);
    student.dispose();
  });

  it('repeats exactly for a seed (shuffling, dropout, initialisation)', async () => {
    const weightsAfter = async (seed: number) => {
      const m = model();
      await new DistillationTrainer().train({ model: m, objective: supervised, data: { labelled: blobs(64, 1) }, options: { ...options, epochs: 2, seed } });
      const values = await Promise.all(m.trainableVariables().map(async (v) => Array.from(await v.data())));
      m.dispose();
      return values.flat();
    };
    const a = await weightsAfter(9);
    expect(await weightsAfter(9)).toEqual(a);
    expect(await weightsAfter(10)).not.toEqual(a);
  });

  it('trains on teacher logits of the transfer set and reports each term', async () => {
    const transfer = blobs(100, 4);
    const teacher = model(7);
    await new DistillationTrainer().train({ model: teacher, objective: supervised, data: { labelled: transfer }, options });
    const teacherLogits = await predictLogits(teacher, transfer);
    const student = model(2);
    const objective: Objective = {
      terms: [
        { name: 'ce', loss: ce, weight: 1, data: 'labelled' },
        { name: 'mse', loss: matchTeacher, weight: (epoch) => Math.min(1, (epoch + 1) / 2), data: 'transfer' },
      ],
    };
    const result = await expectNoTensorLeak(() =>
      new DistillationTrainer().train({
        model: student,
        objective,
        data: { labelled: transfer.subset([0, 1, 2, 3]), transfer: { dataset: transfer, teacherLogits } },
        options: { ...options, epochs: 6 },
      }),
    );
    const first = result.history[0]!;
    const last = result.history[5]!;
    expect(Object.keys(last.losses)).toEqual(['ce', 'mse']);
    expect(last.losses['mse']!).toBeLessThan(first.losses['mse']! / 2);
    // Total = ce + w(epoch)·mse with w(5) = 1.
    expect(last.total).toBeCloseTo(last.losses['ce']! + last.losses['mse']!, 4);
    teacher.dispose();
    student.dispose();
  });

  it('stops early on a validation plateau and restores the best epoch', async () => {
    const student = model();
    const validation = blobs(100, 5);
    const result = await expectNoTensorLeak(() =>
      new DistillationTrainer().train({
        model: student,
        objective: supervised,
        data: { labelled: blobs(100, 1), validation },
        options: { ...options, epochs: 40, earlyStopping: { patience: 2 } },
      }),
    );
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(40);
    const best = result.history[result.bestEpoch!]!.validation!.accuracy;
    expect(Math.max(...result.history.map((h) => h.validation!.accuracy))).toBe(best);
    expect((await evaluateModel(student, validation)).accuracy).toBe(best);
    student.dispose();
  });

  it('rejects bad requests before training, naming the problem', async () => {
    const trainer = new DistillationTrainer();
    const m = model();
    const data = { labelled: blobs(10, 1) };
    const kdOnly: Objective = { terms: [{ name: 'mse', loss: matchTeacher, weight: 1, data: 'transfer' }] };
    await expect(trainer.train({ model: m, objective: kdOnly, data, options })).rejects.toThrow(
      'objective has a term on transfer data but no transfer set (with teacher logits or a teacher) was given',
    );
    await expect(
      trainer.train({ model: m, objective: supervised, data, options: { ...options, learningRate: -1 } }),
    ).rejects.toThrow('learningRate: expected a positive finite number, got -1');
    await expect(
      trainer.train({
        model: m,
        objective: kdOnly,
        data: { ...data, transfer: { dataset: blobs(10, 2), teacherLogits: { size: 9, numClasses: 2, values: new Float32Array(18) } } },
        options,
      }),
    ).rejects.toThrow('teacher logits are [9, 2] but the transfer set blobs-2 needs [10, 2]');
    await expect(
      trainer.train({ model: m, objective: { terms: [{ name: 'ce', loss: ce, weight: 1, data: 'transfer' }] }, data, options }),
    ).rejects.toThrow(/objective.terms\[0\].data: expected data that provides labels for loss ce/);
    await expect(
      trainer.train({ model: m, objective: supervised, data, options: { ...options, earlyStopping: { patience: 2 } } }),
    ).rejects.toThrow('earlyStopping: needs a validation dataset (data.validation)');
    // From plain JavaScript: a misspelt key was a TypeError from inside (`dat`, `labeled`) or ignored (`learningrate` beside learningRate).
    const untyped = (o: unknown) => o as never;
    await expect(trainer.train(untyped({ model: m, objective: supervised, dat: data, options }))).rejects.toThrow('train: unknown option "dat" (did you mean "data"?); it takes model, objective, data, options, afterEpoch');
    await expect(trainer.train(untyped({ model: m, objective: supervised, data: { labeled: data.labelled }, options }))).rejects.toThrow('train data: unknown option "labeled" (did you mean "labelled"?)');
    await expect(trainer.train(untyped({ model: m, objective: supervised, data, options: { ...options, learningrate: 1 } }))).rejects.toThrow('train options: unknown option "learningrate" (did you mean "learningRate"?)');
    await expect(trainer.train(untyped({ model: m, objective: supervised, options }))).rejects.toThrow('train: "data" is required');
    m.dispose();
  });

  it('applies the augmentation to labelled batches with a seed derived from (seed, epoch, batch)', async () => {
    const contexts: string[] = [];
    const jitter: Augmentation = {
      name: 'jitter',
      apply: (x, context) => {
        contexts.push(`${x.shape[0]} rows: ${context.epoch}/${context.batch}/${context.seed}`);
        return tf.add(x, tf.randomNormal(x.shape, 0, 0.1, 'float32', context.seed));
      },
    };
    const run = async () => {
      contexts.length = 0;
      const m = model();
      await expectNoTensorLeak(() =>
        new DistillationTrainer().train({
          model: m,
          objective: supervised,
          data: { labelled: blobs(32, 1) },
          options: { ...options, epochs: 2, augmentation: jitter },
        }),
      );
      m.dispose();
      return [...contexts];
    };
    const all = await run();
    // First the request's check (checkAugmentation: once, on two examples of zeros), then the steps.
    expect(all[0]).toBe('2 rows: 0/0/1');
    const first = all.slice(1);
    expect(first).toHaveLength(4); // 2 epochs × 2 steps of 16
    expect(first.map((c) => c.split(': ')[1]!.split('/').slice(0, 2).join('/'))).toEqual(['0/0', '0/1', '1/0', '1/1']);
    expect(first.every((c) => c.startsWith('16 rows: '))).toBe(true);
    expect(new Set(first.map((c) => c.split('/')[2])).size).toBe(4);
    expect(await run()).toEqual(all);
  });

  it('stops when aborted', async () => {
    const m = model();
    const controller = new AbortController();
    const trainer = new DistillationTrainer();
    trainer.events.on('epoch:end', () => controller.abort());
    await expect(
      trainer.train({ model: m, objective: supervised, data: { labelled: blobs(50, 1) }, options: { ...options, signal: controller.signal } }),
    ).rejects.toMatchObject({ code: 'E_ABORTED' });
    m.dispose();
  });
});
