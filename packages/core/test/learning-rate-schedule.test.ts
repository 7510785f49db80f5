import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DistillationTrainer, InMemoryDataset, LayersClassifier, createRandom, scheduledLearningRate, setupBackend, type Objective } from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

function data(n: number): InMemoryDataset {
  const rng = createRandom(4);
  const features = Float32Array.from({ length: n * 3 }, () => rng.next() * 2 - 1);
  const labels = Int32Array.from({ length: n }, (_, i) => (features[i * 3]! + features[i * 3 + 1]! > 0 ? 1 : 0));
  return new InMemoryDataset({ name: 'lines', inputShape: [3], numClasses: 2, features, labels });
}

const ce: Objective = {
  terms: [
    {
      name: 'ce',
      weight: 1,
      data: 'labelled',
      loss: { name: 'ce', requires: ['labels'], compute: ({ studentLogits, labels }) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels!, 2), tf.logSoftmax(studentLogits)), 1))) as tf.Scalar },
    },
  ],
};

async function train(schedule: 'constant' | 'cosine' | undefined, epochs: number) {
  const model = new LayersClassifier('lin', tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] }));
  const result = await new DistillationTrainer().train({
    model,
    objective: ce,
    data: { labelled: data(64) },
    options: { epochs, batchSize: 16, learningRate: 0.1, seed: 1, ...(schedule === undefined ? {} : { learningRateSchedule: schedule }) },
  });
  const weights = Array.from(await model.trainableVariables()[0]!.data());
  model.dispose();
  return { history: result.history, weights };
}

describe('learning-rate schedules', () => {
  it('cosine is PyTorch CosineAnnealingLR stepped per epoch (closed form)', () => {
    const lr = 0.1;
    expect([0, 1, 2, 3].map((e) => scheduledLearningRate(lr, 'cosine', e, 4))).toEqual([lr, (lr * (1 + Math.SQRT1_2)) / 2, lr / 2, (lr * (1 - Math.SQRT1_2)) / 2].map((x) => expect.closeTo(x, 12)));
    expect(scheduledLearningRate(lr, 'constant', 3, 4)).toBe(lr);
    expect(scheduledLearningRate(lr, undefined, 3, 4)).toBe(lr);
  });

  for (const native of [true, false]) {
    it(`reaches the optimiser, epoch by epoch (${native ? 'native Adam where built' : "tfjs' Adam"})`, async () => {
      await setupBackend({ backend: 'wasm', native });
      await expectNoTensorLeak(async () => {
        const constant = await train(undefined, 3);
        const explicit = await train('constant', 3);
        const cosine = await train('cosine', 3);
        expect(constant.history.map((r) => r.learningRate)).toEqual([0.1, 0.1, 0.1]);
        expect(cosine.history.map((r) => r.learningRate)).toEqual([0, 1, 2].map((e) => scheduledLearningRate(0.1, 'cosine', e, 3)));
        // `constant` is the default, bit for bit.
        expect(explicit.weights).toEqual(constant.weights);
        // The first epoch runs at the full rate under both; later ones do not.
        expect(cosine.history[0]!.losses).toEqual(constant.history[0]!.losses);
        expect(cosine.history[2]!.losses['ce']).not.toBe(constant.history[2]!.losses['ce']);
        expect(cosine.weights).not.toEqual(constant.weights);
      });
    });
  }
});
