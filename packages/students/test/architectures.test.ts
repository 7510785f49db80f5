import { DistillationTrainer, InMemoryDataset, createRandom, setupBackend, tf, type Loss, type Objective } from '@distillery/core';
import { expectNoTensorLeak, relativeError } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCnn, createMlp } from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});

describe('createMlp', () => {
  it('has the closed-form parameter count and gives logits', async () => {
    const mlp = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [64, 32], dropout: 0.2, seed: 1 });
    expect(mlp.countParams()).toBe(784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    await expectNoTensorLeak(() => {
      const x = tf.zeros([3, 28, 28, 1]);
      const y = mlp.forward(x);
      expect(y.shape).toEqual([3, 10]);
      tf.dispose([x, y]);
    });
    mlp.dispose();
  });

  it('initialises from its seed', async () => {
    const weights = async (seed: number) => {
      const m = createMlp({ inputShape: [4], numClasses: 2, hidden: [3], seed });
      const w = Array.from(await m.trainableVariables()[0]!.data());
      m.dispose();
      return w;
    };
    expect(await weights(1)).toEqual(await weights(1));
    expect(await weights(1)).not.toEqual(await weights(2));
  });

  it('names the bad option', () => {
    expect(() => createMlp({ inputShape: [4], numClasses: 2, hidden: [8, -3], seed: 1 })).toThrow('mlp.hidden[1]: expected a positive integer, got -3');
    expect(() => createMlp({ inputShape: [4], numClasses: 1, hidden: [], seed: 1 })).toThrow('mlp.numClasses: expected an integer ≥ 2, got 1');
    expect(() => createMlp({ inputShape: [4], numClasses: 2, hidden: [], dropout: 1, seed: 1 })).toThrow(/mlp.dropout/);
    expect(() => createMlp({ inputShape: [4], numClasses: 2, hidden: [], activation: 'gelu' as 'relu', seed: 1 })).toThrow(
      /mlp.activation: expected one of relu, elu/,
    );
  });

  it('refuses a misspelt or missing option from an untyped caller (it was ignored: `hiden` built the default widths)', () => {
    const untyped = (o: unknown) => o as never;
    expect(() => createMlp(untyped({ inputShape: [4], numClasses: 2, hiden: [8], hidden: [], seed: 1 }))).toThrow(
      'createMlp: unknown option "hiden" (did you mean "hidden"?); it takes inputShape, numClasses, hidden, activation, dropout, inputDropout, seed, name',
    );
    expect(() => createMlp(untyped({ inputShape: [4], numClasses: 2, seed: 1 }))).toThrow('createMlp: "hidden" is required');
    expect(() => createCnn(untyped({ inputShape: [8, 8, 1], numClasses: 2, filters: [4], seed: 1, batchnorm: true }))).toThrow('createCnn: unknown option "batchnorm" (did you mean "batchNorm"?)');
  });
});

describe('createCnn', () => {
  it('has the closed-form parameter count', () => {
    const cnn = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [8, 16], dense: [32], seed: 1 });
    // conv 3×3: 1→8, 8→16; after two 2×2 pools 28 → 7; dense 7·7·16 → 32 → 10.
    expect(cnn.countParams()).toBe(9 * 8 + 8 + 9 * 8 * 16 + 16 + 7 * 7 * 16 * 32 + 32 + 32 * 10 + 10);
    cnn.dispose();
    expect(() => createCnn({ inputShape: [784], numClasses: 10, filters: [8], seed: 1 })).toThrow("cnn: takes images, examples shaped [height, width, channels]; this data's examples are [784]: feature vectors (a table's rows), which the mlp plugin takes");
    expect(() => createCnn({ inputShape: [28, 28], numClasses: 10, filters: [8], seed: 1 })).toThrow(/^cnn: takes images, examples shaped \[height, width, channels\]; this data's examples are \[28, 28\]$/);
    expect(() => createCnn({ inputShape: [4, 4, 1], numClasses: 10, filters: [8, 8, 8], seed: 1 })).toThrow(/cnn.filters: expected at most 2 conv blocks/);
  });

  it('trains on the wasm backend with the same step as on cpu (Distillery conv kernels)', async () => {
    const rng = createRandom(5);
    const n = 12;
    const features = Float32Array.from({ length: n * 8 * 8 }, () => rng.next());
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const data = new InMemoryDataset({ name: 'noise', inputShape: [8, 8, 1], numClasses: 3, features, labels });
    const ce: Loss = {
      name: 'ce',
      requires: ['labels'],
      compute: ({ studentLogits, labels }) =>
        tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels!, 3), tf.logSoftmax(studentLogits)), 1))) as tf.Scalar,
    };
    const objective: Objective = { terms: [{ name: 'ce', loss: ce, weight: 1, data: 'labelled' }] };
    const weightsAfterOneEpoch = async (backend: 'cpu' | 'wasm') => {
      await setupBackend({ backend, fallbackToCpu: false });
      const cnn = createCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4, 6], dense: [5], seed: 2 });
      await expectNoTensorLeak(() =>
        new DistillationTrainer().train({ model: cnn, objective, data: { labelled: data }, options: { epochs: 1, batchSize: 4, learningRate: 0.01, seed: 1 } }),
      );
      const w = (await Promise.all(cnn.trainableVariables().map(async (v) => Array.from(await v.data())))).flat();
      cnn.dispose();
      return w;
    };
    const cpu = await weightsAfterOneEpoch('cpu');
    const wasm = await weightsAfterOneEpoch('wasm');
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
  });
});
