import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fusedBatchNormTraining } from '../src/backend/native-kernels/batch-norm.js';
import { LayersClassifier, loadNative, setupBackend } from '../src/index.js';
import { createRandom } from '../src/random.js';
import { expectNoTensorLeak, relativeError } from '../src/testing.js';

// Batch-norm in training mode as two native kernels (forward: y and the batch statistics;
// backward: dx, dγ, dβ) against (1) the closed form in float64 and (2) tfjs-layers' own op graph
// (moments + batchNorm and the tape's gradients), which the wasm path still runs.
const loaded = await loadNative();

function randomValues(n: number, seed: number, scale = 1, shift = 0): Float64Array {
  const rng = createRandom(seed);
  return Float64Array.from({ length: n }, () => shift + scale * (rng.next() * 2 - 1));
}

/** The closed form, in float64: forward, and the gradients of Σ w·y. */
function reference(x: Float64Array, channels: number, gamma: Float64Array, beta: Float64Array, w: Float64Array, epsilon: number) {
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) mean[i % channels]! += x[i]! / rows;
  for (let i = 0; i < x.length; i++) variance[i % channels]! += (x[i]! - mean[i % channels]!) ** 2 / rows;
  const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + epsilon));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % channels]!) * inv[i % channels]!);
  const y = Float64Array.from(xhat, (v, i) => v * gamma[i % channels]! + beta[i % channels]!);
  const dBeta = new Float64Array(channels);
  const dGamma = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    dBeta[i % channels]! += w[i]!;
    dGamma[i % channels]! += w[i]! * xhat[i]!;
  }
  const dx = Float64Array.from(x, (_, i) => {
    const c = i % channels;
    return (gamma[c]! * inv[c]!) * (w[i]! - dBeta[c]! / rows - xhat[i]! * dGamma[c]! / rows);
  });
  return { y, mean, variance, dx, dGamma, dBeta };
}

/** Runs fn, noting the name of every kernel the engine dispatches (tf.profile leaks a tensor on the op graph's path). */
function kernelsOf<T>(fn: () => T): { result: T; kernels: Set<string> } {
  const engine = tf.engine() as unknown as { runKernelFunc: (params: { kernelName?: string }) => unknown };
  const original = engine.runKernelFunc;
  const kernels = new Set<string>();
  engine.runKernelFunc = function (this: unknown, params) {
    if (params.kernelName !== undefined) kernels.add(params.kernelName);
    return original.call(this, params);
  };
  try {
    return { result: fn(), kernels };
  } finally {
    engine.runKernelFunc = original;
  }
}

describe.skipIf(!loaded.ok)('fused batch-norm (native kernels)', () => {
  afterAll(async () => {
    await setupBackend({ backend: 'wasm' });
  });

  it.each([
    { shape: [64, 5], shift: 0 },
    { shape: [4, 6, 6, 3], shift: 3 }, // a mean far from zero: the variance must not cancel
    { shape: [9, 1], shift: -1 },
  ])('equals the float64 closed form, forward and backward: $shape', async ({ shape, shift }) => {
    await setupBackend({ backend: 'wasm', native: true });
    const channels = shape[shape.length - 1]!;
    const n = shape.reduce((a, b) => a * b, 1);
    const x = randomValues(n, 1, 1, shift);
    const gamma = randomValues(channels, 2, 0.5, 1);
    const beta = randomValues(channels, 3);
    const w = randomValues(n, 4);
    const epsilon = 1e-3;
    const want = reference(x, channels, gamma, beta, w, epsilon);
    const got = await expectNoTensorLeak(async () => {
      const [tx, tg, tb, tw] = [tf.tensor(Float32Array.from(x), shape), tf.tensor1d(Float32Array.from(gamma)), tf.tensor1d(Float32Array.from(beta)), tf.tensor(Float32Array.from(w), shape)];
      let statistics: Float32Array[] = [];
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const fused = fusedBatchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, epsilon);
        expect(fused).toBeDefined();
        statistics = [fused!.mean.dataSync() as Float32Array, fused!.variance.dataSync() as Float32Array];
        tf.dispose([fused!.mean, fused!.variance]);
        return tf.sum(tf.mul(fused!.y, tw));
      })([tx, tg, tb]);
      // The forward alone: y itself.
      const alone = fusedBatchNormTraining(tx, tg, tb, epsilon)!;
      const y = (await alone.y.data()) as Float32Array;
      tf.dispose([alone.y, alone.mean, alone.variance]);
      const [dx, dGamma, dBeta] = (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
      tf.dispose([value, ...grads, tx, tg, tb, tw]);
      return { y, mean: statistics[0]!, variance: statistics[1]!, dx: dx!, dGamma: dGamma!, dBeta: dBeta! };
    });
    for (const key of ['y', 'mean', 'variance', 'dx', 'dGamma', 'dBeta'] as const) {
      expect(relativeError(got[key], want[key]), key).toBeLessThanOrEqual(1e-5);
    }
  });

  /** A conv + batch-norm + dense classifier, the same weights on both paths. */
  function classifier(): LayersClassifier {
    const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
    const layers = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 6, kernelSize: 3, padding: 'same', useBias: false, ...init(1) }),
        tf.layers.batchNormalization({ momentum: 0.9 }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 12, ...init(2) }),
        tf.layers.batchNormalization({ momentum: 0.9 }),
        tf.layers.dense({ units: 4, ...init(3) }),
      ],
    });
    return new LayersClassifier('bn-net', layers);
  }

  it('trains a layers model with batch-norm to the same loss, gradients and moving statistics as the op graph', async () => {
    const run = async (native: boolean) => {
      await setupBackend({ backend: 'wasm', native });
      const model = classifier();
      const out = await expectNoTensorLeak(async () => {
        const x = tf.tensor4d(Float32Array.from(randomValues(16 * 8 * 8 * 2, 5, 2, 1)), [16, 8, 8, 2]);
        const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32'), 4));
        const { result, kernels } = kernelsOf(() => {
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true })) as tf.Scalar, model.trainableVariables());
          return [value, ...Object.values(grads)];
        });
        const values = await Promise.all(result.map((t) => t.data() as Promise<Float32Array>));
        const state = await Promise.all(model.stateVariables().map((v) => v.data() as Promise<Float32Array>));
        tf.dispose([...result, x, labels]);
        return { loss: values[0]![0]!, grads: values.slice(1), state, kernels };
      });
      model.dispose();
      return out;
    };
    const graph = await run(false);
    const fused = await run(true);
    // The fused kernels ran on the native path only (the test fails if the layer fell back).
    expect(fused.kernels).toContain('DistilleryBatchNormTrain');
    expect(fused.kernels).toContain('DistilleryBatchNormTrainGrad');
    expect(graph.kernels).not.toContain('DistilleryBatchNormTrain');
    expect(Math.abs(fused.loss - graph.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(graph.loss));
    expect(fused.grads.length).toBe(graph.grads.length);
    // The dense bias before the second batch-norm has a gradient of exactly 0 (the norm removes
    // it): both paths give float noise there, so each gradient is compared on the scale of the
    // largest one too.
    const largest = Math.max(...graph.grads.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    fused.grads.forEach((g, i) => {
      const want = graph.grads[i]!;
      const diff = g.reduce((m, v, j) => Math.max(m, Math.abs(v - want[j]!)), 0);
      const scale = Math.max(want.reduce((m, v) => Math.max(m, Math.abs(v)), 0), 1e-3 * largest);
      expect(diff / scale, `gradient ${i}`).toBeLessThanOrEqual(1e-4);
    });
    // moving mean and variance of both layers: written by the layer's own update rule
    expect(fused.state.length).toBe(4);
    fused.state.forEach((s, i) => expect(relativeError(s, graph.state[i]!), `state ${i}`).toBeLessThanOrEqual(1e-5));
    expect(relativeError(fused.state[0]!, new Float32Array(6))).toBeGreaterThan(0); // the moving mean moved
  });

  it('leaves a batch-norm over another axis to the layer (its own op graph)', async () => {
    await setupBackend({ backend: 'wasm', native: true });
    const layers = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4 }), tf.layers.reshape({ targetShape: [2, 2] }), tf.layers.batchNormalization({ axis: 1 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    const model = new LayersClassifier('bn-axis-1', layers);
    const x = tf.tensor2d(Float32Array.from(randomValues(15, 6)), [5, 3]);
    const { result, kernels } = kernelsOf(() => model.forward(x, { training: true }));
    expect(kernels).not.toContain('DistilleryBatchNormTrain');
    expect(kernels).toContain(tf.FusedBatchNorm);
    expect(result.shape).toEqual([5, 2]);
    tf.dispose([result, x]);
    model.dispose();
  });

  it('is not used for inference (the moving statistics normalise)', async () => {
    await setupBackend({ backend: 'wasm', native: true });
    const model = classifier();
    const x = tf.zeros([2, 8, 8, 2]);
    const { result, kernels } = kernelsOf(() => model.forward(x));
    expect(kernels).not.toContain('DistilleryBatchNormTrain');
    expect(kernels).toContain(tf.FusedBatchNorm);
    tf.dispose([result, x]);
    model.dispose();
  });
});

describe('fused batch-norm without the native kernels', () => {
  it('is not available, so the layer runs its own ops', async () => {
    await setupBackend({ backend: 'wasm', native: false });
    const x = tf.ones([4, 3]);
    const g = tf.ones([3]) as tf.Tensor1D;
    expect(fusedBatchNormTraining(x, g, g, 1e-3)).toBeUndefined();
    tf.dispose([x, g]);
    await setupBackend({ backend: 'wasm' });
  });
});
