import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DistillationTrainer,
  InMemoryDataset,
  LayersClassifier,
  createRandom,
  predictLogits,
  checkAugmentation,
  setupBackend,
  type Augmentation,
  type ForwardOptions,
  type Loss,
  type Model,
  type Objective,
  type TrainOptions,
} from '../src/index.js';
import { expectNoTensorLeak, relativeError } from '../src/testing.js';

/** Random 4-feature points, 3 classes: enough for the trainer's plumbing, not for accuracy. */
function points(n: number, seed: number): InMemoryDataset {
  const rng = createRandom(seed);
  const features = Float32Array.from({ length: n * 4 }, () => rng.next() * 2 - 1);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return new InMemoryDataset({ name: `points-${seed}`, inputShape: [4], numClasses: 3, features, labels });
}

function linear(seed: number, inputs = 4, classes = 3): LayersClassifier {
  return new LayersClassifier(
    `linear-${seed}`,
    tf.sequential({ layers: [tf.layers.dense({ inputShape: [inputs], units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed }) })] }),
  );
}

/** Wraps a model and records the inputs of its forward calls, in training mode or not. */
function recording(inner: LayersClassifier, training: boolean): Model & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  return {
    seen,
    name: inner.name,
    inputShape: inner.inputShape,
    numClasses: inner.numClasses,
    forward(x: tf.Tensor, options?: ForwardOptions) {
      if ((options?.training === true) === training) seen.push(x.dataSync().slice() as Float32Array);
      return inner.forward(x, options);
    },
    trainableVariables: () => inner.trainableVariables(),
    countParams: () => inner.countParams(),
    save: (directory) => inner.save(directory),
    dispose: () => inner.dispose(),
  };
}

const matchTeacher: Loss = {
  name: 'mse',
  requires: ['teacherLogits'],
  compute: ({ studentLogits, teacherLogits }) => tf.mean(tf.square(tf.sub(studentLogits, teacherLogits!))) as tf.Scalar,
};
const kdOnly: Objective = { terms: [{ name: 'mse', loss: matchTeacher, weight: 1, data: 'transfer' }] };
const options: TrainOptions = { epochs: 2, batchSize: 8, learningRate: 0.05, seed: 4 };
const shiftByStep: Augmentation = {
  name: 'offset',
  // A visible, seeded change: every input moves by a constant drawn from the seed.
  apply: (x, { seed }) => tf.add(x, (seed % 1000) / 1000),
};

async function weights(model: Model): Promise<number[]> {
  return (await Promise.all(model.trainableVariables().map(async (v) => Array.from(await v.data())))).flat();
}

beforeAll(async () => {
  await setupBackend();
});

describe('online teacher', () => {
  it('runs the teacher on exactly the augmented transfer input the student sees', async () => {
    const transfer = points(24, 1);
    const teacher = recording(linear(7), false);
    const student = recording(linear(2), true);
    await expectNoTensorLeak(() =>
      new DistillationTrainer().train({
        model: student,
        objective: kdOnly,
        data: { labelled: transfer, transfer: { dataset: transfer, teacher } },
        options: { ...options, augmentation: shiftByStep },
      }),
    );
    expect(teacher.seen).toHaveLength(6); // 2 epochs × 3 steps of 8
    expect(student.seen.map((x) => Array.from(x))).toEqual(teacher.seen.map((x) => Array.from(x)));
    // And the input was augmented: no teacher batch is a plain batch of the dataset.
    const raw = new Float32Array(transfer.size * 4);
    transfer.copyFeatures(Int32Array.from({ length: transfer.size }, (_, i) => i), raw);
    const rows = new Set(Array.from({ length: transfer.size }, (_, i) => raw.subarray(i * 4, i * 4 + 4).join(',')));
    for (const batch of teacher.seen) expect(rows.has(batch.subarray(0, 4).join(','))).toBe(false);
    student.dispose();
    teacher.dispose();
  });

  it('without augmentation trains exactly as pre-computed logits do, and never changes the teacher', async () => {
    const transfer = points(40, 2);
    const teacher = linear(9);
    const before = await weights(teacher);
    const cached = linear(3);
    const online = linear(3);
    const teacherLogits = await predictLogits(teacher, transfer);
    await new DistillationTrainer().train({ model: cached, objective: kdOnly, data: { labelled: transfer, transfer: { dataset: transfer, teacherLogits } }, options });
    const result = await expectNoTensorLeak(() =>
      new DistillationTrainer().train({ model: online, objective: kdOnly, data: { labelled: transfer, transfer: { dataset: transfer, teacher } }, options: { ...options, epochs: 6 } }),
    );
    expect(await weights(teacher)).toEqual(before);
    expect(result.history[5]!.losses['mse']!).toBeLessThan(result.history[0]!.losses['mse']! / 2);
    const twoEpochs = linear(3);
    await new DistillationTrainer().train({ model: twoEpochs, objective: kdOnly, data: { labelled: transfer, transfer: { dataset: transfer, teacher } }, options });
    expect(relativeError(await weights(twoEpochs), await weights(cached))).toBeLessThan(1e-5);
    for (const m of [teacher, cached, online, twoEpochs]) m.dispose();
  });

  it('refuses a teacher that does not fit the transfer set or the student', async () => {
    const transfer = points(10, 3);
    const student = linear(1);
    const train = (teacher: Model) =>
      new DistillationTrainer().train({ model: student, objective: kdOnly, data: { labelled: transfer, transfer: { dataset: transfer, teacher } }, options });
    const wideTeacher = linear(5, 6, 3);
    const fiveClasses = linear(5, 4, 5);
    await expect(train(wideTeacher)).rejects.toThrow('online teacher: model linear-5 takes examples of shape [6] but dataset points-3 has [4]');
    await expect(train(fiveClasses)).rejects.toThrow('online teacher: model linear-5 predicts 5 classes but dataset points-3 has 3');
    for (const m of [student, wideTeacher, fiveClasses]) m.dispose();
  });
});

describe('label-mixing augmentation', () => {
  const swapHalf: Augmentation = {
    name: 'swap-half',
    apply: (x) => tf.add(tf.mul(x, 0.5), tf.mul(tf.reverse(x, 0), 0.5)),
    // Each example mixed half and half with its mirror in the batch, targets alike.
    applyToBatch: ({ x, targets }) => ({
      x: tf.add(tf.mul(x, 0.5), tf.mul(tf.reverse(x, 0), 0.5)),
      targets: tf.add(tf.mul(targets, 0.5), tf.mul(tf.reverse(targets, 0), 0.5)) as tf.Tensor2D,
    }),
  };

  it('hands the mixed targets, with the batch labels, to losses that accept them', async () => {
    const seen: { labels: number[]; targets: number[][] }[] = [];
    const softCe: Loss = {
      name: 'soft-ce',
      requires: ['labels'],
      acceptsTargets: true,
      compute: ({ studentLogits, labels, targets }) => {
        seen.push({ labels: Array.from(labels!.dataSync()), targets: targets!.arraySync() });
        return tf.neg(tf.mean(tf.sum(tf.mul(targets!, tf.logSoftmax(studentLogits)), 1))) as tf.Scalar;
      },
    };
    const student = linear(2);
    await expectNoTensorLeak(() =>
      new DistillationTrainer().train({
        model: student,
        objective: { terms: [{ name: 'ce', loss: softCe, weight: 1, data: 'labelled' }] },
        data: { labelled: points(16, 4) },
        options: { ...options, augmentation: swapHalf },
      }),
    );
    expect(seen).toHaveLength(4);
    for (const { labels, targets } of seen) {
      targets.forEach((row, i) => {
        const expected = [0, 1, 2].map((c) => 0.5 * Number(labels[i] === c) + 0.5 * Number(labels[labels.length - 1 - i] === c));
        expect(row).toEqual(expected);
      });
    }
    student.dispose();
  });

  it('refuses a labelled loss that reads only hard labels', async () => {
    const hardCe: Loss = { name: 'hard-ce', requires: ['labels'], compute: () => tf.scalar(0) };
    const student = linear(2);
    await expect(
      new DistillationTrainer().train({
        model: student,
        objective: { terms: [{ name: 'ce', loss: hardCe, weight: 1, data: 'labelled' }] },
        data: { labelled: points(16, 4) },
        options: { ...options, augmentation: swapHalf },
      }),
    ).rejects.toThrow('objective.terms[0]: augmentation swap-half mixes labels, but loss hard-ce reads only hard labels (it does not accept targets)');
    student.dispose();
  });

  it('runs an augmentation once on zeros shaped like the examples before training, refusing one that changes the shape, leaking nothing', async () => {
    const dropsAFeature: Augmentation = { name: 'drops-a-feature', apply: (x) => x.slice([0, 0], [x.shape[0]!, 3]) };
    expect(() => checkAugmentation(dropsAFeature, [4])).toThrow("augmentation drops-a-feature must keep its input's shape: examples shaped [4] came out [3]");
    await expectNoTensorLeak(() => checkAugmentation(shiftByStep, [4]));
    // The trainer checks it before its first step: no step ran, the student is as it was.
    const student = linear(3);
    const before = await weights(student);
    const meanLogit: Loss = { name: 'mean-logit', requires: ['labels'], compute: ({ studentLogits }) => tf.mean(studentLogits) as tf.Scalar };
    await expect(
      new DistillationTrainer().train({ model: student, objective: { terms: [{ name: 'mean', loss: meanLogit, weight: 1, data: 'labelled' }] }, data: { labelled: points(16, 4) }, options: { ...options, augmentation: dropsAFeature } }),
    ).rejects.toThrow('augmentation drops-a-feature must keep');
    expect(await weights(student)).toEqual(before);
    student.dispose();
  });
});
