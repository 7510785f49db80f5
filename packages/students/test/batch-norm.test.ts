import { DistillationTrainer, InMemoryDataset, createRandom, setupBackend, tf, type Loss, type Model, type Objective } from '@distillery/core';
import { expectNoTensorLeak, relativeError } from '@distillery/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_NORM_MOMENTUM, createCnn } from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});
afterAll(async () => {
  await setupBackend();
});

function noise(n: number, seed: number): InMemoryDataset {
  const rng = createRandom(seed);
  const features = Float32Array.from({ length: n * 8 * 8 }, () => rng.next());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return new InMemoryDataset({ name: 'noise', inputShape: [8, 8, 1], numClasses: 3, features, labels });
}

const ce: Loss = {
  name: 'ce',
  requires: ['labels'],
  compute: ({ studentLogits, labels }) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels!, 3), tf.logSoftmax(studentLogits)), 1))) as tf.Scalar,
};
const objective: Objective = { terms: [{ name: 'ce', loss: ce, weight: 1, data: 'labelled' }] };
const bnCnn = (seed = 2) => createCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4, 6], dense: [5], batchNorm: true, seed });
const values = async (variables: tf.Variable[]) => (await Promise.all(variables.map(async (v) => Array.from(await v.data())))).flat();

describe('createCnn with batchNorm', () => {
  it('has conv (no bias) → batch-norm per block: the closed-form parameter count', () => {
    const cnn = bnCnn();
    // conv 3×3 1→4 and 4→6 without bias; batch-norm γ, β, moving mean and variance per filter; 8 → 4 → 2 after pools.
    expect(cnn.countParams()).toBe(9 * 4 + 4 * 4 + 9 * 4 * 6 + 4 * 6 + 2 * 2 * 6 * 5 + 5 + 5 * 3 + 3);
    expect(cnn.stateVariables().map((v) => v.shape)).toEqual([[4], [4], [6], [6]]);
    expect(cnn.name).toBe('cnn-4-6-bn');
    cnn.dispose();
    expect(() => createCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4], batchNorm: 'yes' as unknown as boolean, seed: 1 })).toThrow(
      'cnn.batchNorm: expected true or false, got "yes"',
    );
  });

  it('moves the moving mean and variance by one momentum step in a training forward, and only then', async () => {
    const cnn = bnCnn();
    const x = tf.randomUniform([6, 8, 8, 1], 0, 1, 'float32', 3);
    await expectNoTensorLeak(async () => {
      // The first block's conv output, whose per-filter batch statistics batch-norm sees.
      const convOut = tf.tidy(() => cnn.layersModel.layers[0]!.apply(x) as tf.Tensor);
      const { mean, variance } = tf.moments(convOut, [0, 1, 2]);
      const expectedMean = Array.from(await mean.data()).map((m) => (1 - BATCH_NORM_MOMENTUM) * m);
      const expectedVariance = Array.from(await variance.data()).map((v) => BATCH_NORM_MOMENTUM + (1 - BATCH_NORM_MOMENTUM) * v);
      tf.dispose([convOut, mean, variance]);
      tf.dispose(cnn.forward(x)); // inference: no update
      expect(await values(cnn.stateVariables().slice(0, 2))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
      tf.dispose(cnn.forward(x, { training: true, seed: 1 }));
      const [movingMean, movingVariance] = cnn.stateVariables();
      expect(relativeError(await movingMean!.data(), expectedMean)).toBeLessThan(1e-5);
      expect(relativeError(await movingVariance!.data(), expectedVariance)).toBeLessThan(1e-5);
    });
    x.dispose();
    cnn.dispose();
  });

  it('normalises with batch statistics in training and with the moving ones in inference', async () => {
    const cnn = bnCnn();
    const x = tf.randomUniform([5, 8, 8, 1], 0, 1, 'float32', 4);
    const first = async (batch: tf.Tensor, training: boolean) => {
      const logits = cnn.forward(batch, training ? { training, seed: 1 } : {});
      const row = Array.from((await logits.data()).slice(0, 3));
      logits.dispose();
      return row;
    };
    const alone = tf.slice(x, [0, 0, 0, 0], [2, -1, -1, -1]);
    expect(relativeError(await first(alone, false), await first(x, false))).toBeLessThan(1e-6);
    expect(relativeError(await first(alone, true), await first(x, true))).toBeGreaterThan(1e-3);
    tf.dispose([x, alone]);
    cnn.dispose();
  });

  it('trains to the same weights and moving statistics on wasm and cpu', async () => {
    const data = noise(12, 5);
    const afterOneEpoch = async (backend: 'cpu' | 'wasm') => {
      await setupBackend({ backend, fallbackToCpu: false });
      const cnn = bnCnn();
      await expectNoTensorLeak(() =>
        new DistillationTrainer().train({ model: cnn, objective, data: { labelled: data }, options: { epochs: 1, batchSize: 4, learningRate: 0.01, seed: 1 } }),
      );
      const result = { weights: await values(cnn.trainableVariables()), state: await values(cnn.stateVariables()) };
      cnn.dispose();
      return result;
    };
    const cpu = await afterOneEpoch('cpu');
    const wasm = await afterOneEpoch('wasm');
    expect(cpu.state.slice(0, 4).some((m) => m !== 0)).toBe(true);
    expect(relativeError(wasm.weights, cpu.weights)).toBeLessThan(1e-4);
    expect(relativeError(wasm.state, cpu.state)).toBeLessThan(1e-4);
  });

  it('early stopping puts back the best epoch’s moving statistics with its weights', async () => {
    await setupBackend();
    const cnn: Model & ReturnType<typeof bnCnn> = bnCnn(3);
    const states: number[][] = [];
    const result = await new DistillationTrainer().train({
      model: cnn,
      objective,
      data: { labelled: noise(24, 6), validation: noise(24, 7) },
      options: { epochs: 8, batchSize: 6, learningRate: 0.05, seed: 2, earlyStopping: { patience: 2 } },
      afterEpoch: async () => {
        states.push(await values(cnn.stateVariables()));
      },
    });
    expect(result.bestEpoch).toBeDefined();
    expect(result.bestEpoch).toBeLessThan(result.history.length - 1);
    expect(await values(cnn.stateVariables())).toEqual(states[result.bestEpoch!]);
    expect(states.at(-1)).not.toEqual(states[result.bestEpoch!]);
    cnn.dispose();
  });
});
