import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNative, nativeKernelsInstalled, NATIVE_ENV_VARIABLE, setupBackend } from '../src/index.js';
import { createRandom } from '../src/random.js';
import { expectNoTensorLeak, relativeError } from '../src/testing.js';

// The native kernels must give the wasm kernels' numbers (within 1e-5 of the result's scale).
const TOLERANCE = 1e-5;
const loaded = await loadNative();
// CI installs a BLAS and sets this, so a broken build fails there instead of skipping.
const required = process.env['DISTILLERY_REQUIRE_NATIVE'] === '1';

type Inputs = Record<string, { shape: number[]; values: Float32Array }>;

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function inputsOf(shapes: Record<string, number[]>, seed: number): Inputs {
  return Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, { shape, values: randomValues(size(shape), seed + i) }]));
}

async function runKernel(native: boolean, kernel: string, inputs: Inputs, attrs: Record<string, unknown>) {
  const info = await setupBackend({ backend: 'wasm', fallbackToCpu: false, native });
  expect(info.native.active).toBe(native);
  return expectNoTensorLeak(async () => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([name, v]) => [name, tf.tensor(v.values, v.shape)]));
    const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { shape: out.shape, values: (await out.data()) as Float32Array };
    tf.dispose([out, ...Object.values(tensors)]);
    return result;
  });
}

/** Runs the kernel on both paths; returns the largest absolute difference. */
async function expectSameOnBothPaths(kernel: string, inputs: Inputs, attrs: Record<string, unknown>): Promise<number> {
  const wasm = await runKernel(false, kernel, inputs, attrs);
  const native = await runKernel(true, kernel, inputs, attrs);
  expect(native.shape).toEqual(wasm.shape);
  expect(relativeError(native.values, wasm.values)).toBeLessThanOrEqual(TOLERANCE);
  return native.values.reduce((m, v, i) => Math.max(m, Math.abs(v - wasm.values[i]!)), 0);
}

it('the native accelerator is built where CI requires it', () => {
  if (required) expect(loaded).toMatchObject({ ok: true });
  else expect(typeof loaded.ok).toBe('boolean');
});

describe.skipIf(!loaded.ok)('native kernels match the wasm kernels', () => {
  afterAll(async () => {
    await setupBackend({ backend: 'wasm' });
  });

  const MATMUL_CASES = [
    { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
    { a: [1, 5, 7], b: [1, 5, 3], transposeA: true, transposeB: false },
    { a: [1, 7, 5], b: [1, 3, 5], transposeA: false, transposeB: true },
    { a: [1, 5, 7], b: [1, 3, 5], transposeA: true, transposeB: true },
    { a: [4, 33, 17], b: [4, 33, 9], transposeA: true, transposeB: false },
    { a: [2, 64, 31], b: [1, 13, 31], transposeA: false, transposeB: true },
    { a: [1, 4, 6], b: [3, 6, 2], transposeA: false, transposeB: false },
    { a: [2, 3, 4, 5], b: [2, 3, 5, 6], transposeA: false, transposeB: false },
    // batch broadcast no single stride expresses: handed to the wasm kernel
    { a: [2, 1, 4, 5], b: [1, 3, 5, 6], transposeA: false, transposeB: false },
    { a: [1, 1, 65], b: [1, 1, 3], transposeA: true, transposeB: false },
  ];
  it.each(MATMUL_CASES)('BatchMatMul a=$a b=$b tA=$transposeA tB=$transposeB', async (c) => {
    await expectSameOnBothPaths(tf.BatchMatMul, inputsOf({ a: c.a, b: c.b }, 1), { transposeA: c.transposeA, transposeB: c.transposeB });
  });

  it('an empty inner dimension gives zeros', async () => {
    const out = await runKernel(true, tf.BatchMatMul, inputsOf({ a: [1, 3, 0], b: [1, 0, 4] }, 2), { transposeA: false, transposeB: false });
    expect(out.shape).toEqual([1, 3, 4]);
    expect(Array.from(out.values)).toEqual(new Array(12).fill(0));
  });

  it('runs a dense-sized product natively (the numbers differ in their last bits from XNNPACK)', async () => {
    const maxDiff = await expectSameOnBothPaths(tf.BatchMatMul, inputsOf({ a: [1, 128, 784], b: [1, 128, 300] }, 3), { transposeA: true, transposeB: false });
    expect(maxDiff).toBeGreaterThan(0);
  });

  const ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'];
  it.each(ACTIVATIONS)('_FusedMatMul with bias and %s', async (activation) => {
    await expectSameOnBothPaths(
      tf._FusedMatMul,
      { ...inputsOf({ a: [1, 9, 13], b: [1, 13, 11] }, 5), bias: { shape: [11], values: randomValues(11, 7).map((v) => 4 * v) } },
      { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.3 },
    );
  });

  it('_FusedMatMul with prelu weights is handed to the wasm kernel', async () => {
    await expectSameOnBothPaths(
      tf._FusedMatMul,
      inputsOf({ a: [1, 6, 4], b: [1, 4, 5], bias: [5], preluActivationWeights: [5] }, 8),
      { transposeA: false, transposeB: false, activation: 'prelu' },
    );
  });

  const CONV_CASES = [
    { name: 'stride 1, valid', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
    { name: 'stride 1, same', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { name: 'stride 2, valid, odd sizes', x: [3, 9, 7, 2], filter: [3, 5, 2, 5], strides: 2, pad: 'valid' },
    { name: 'stride 2, same, odd sizes', x: [3, 9, 7, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
    { name: 'batch 1, one channel', x: [1, 11, 13, 1], filter: [5, 5, 1, 7], strides: 1, pad: 'same' },
    { name: 'pointwise 1×1', x: [2, 5, 5, 6], filter: [1, 1, 6, 3], strides: 1, pad: 'valid' },
    { name: 'patch long enough for the native forward', x: [3, 9, 9, 8], filter: [3, 3, 8, 5], strides: 1, pad: 'same' },
    // 64·28·28 rows × 144 columns: more than one im2col chunk of the addon's 4M-element scratch
    { name: 'chunked batch', x: [64, 28, 28, 16], filter: [3, 3, 16, 8], strides: 1, pad: 'same' },
  ] as const;

  const outShape = (c: (typeof CONV_CASES)[number]) => {
    const [b, h, w] = c.x;
    const out = (n: number, k: number) => (c.pad === 'same' ? Math.ceil(n / c.strides) : Math.ceil((n - k + 1) / c.strides));
    return [b, out(h, c.filter[0]), out(w, c.filter[1]), c.filter[3]];
  };

  describe.each(CONV_CASES)('convolution: $name', (c) => {
    const conv = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
    it('Conv2D', async () => {
      await expectSameOnBothPaths(tf.Conv2D, inputsOf({ x: [...c.x], filter: [...c.filter] }, 11), conv);
    });
    it('FusedConv2D with bias and relu', async () => {
      await expectSameOnBothPaths(tf.FusedConv2D, inputsOf({ x: [...c.x], filter: [...c.filter], bias: [c.filter[3]] }, 12), { ...conv, activation: 'relu' });
    });
    it('Conv2DBackpropFilter', async () => {
      await expectSameOnBothPaths(tf.Conv2DBackpropFilter, inputsOf({ x: [...c.x], dy: outShape(c) }, 13), { ...conv, filterShape: [...c.filter] });
    });
    it('Conv2DBackpropInput', async () => {
      await expectSameOnBothPaths(tf.Conv2DBackpropInput, inputsOf({ dy: outShape(c), filter: [...c.filter] }, 14), { ...conv, inputShape: [...c.x] });
    });
  });

  const POOL_CASES = [
    { x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 4], filterSize: 3, strides: 2, pad: 'same' },
    { x: [1, 6, 6, 2], filterSize: 3, strides: 1, pad: 'valid' },
    // windows that tile the input (the kernel's one-write path): with a last row and column no window covers, and 3×3
    { x: [2, 9, 7, 4], filterSize: 2, strides: 2, pad: 'valid' },
    { x: [1, 9, 9, 5], filterSize: 3, strides: 3, pad: 'valid' },
  ];
  // tfjs-backend-wasm 4.22's MaxPoolGrad starts its running maximum at FLT_MIN with >=: a window
  // whose maximum is ≤ 0 sends its gradient to its first pixel, not to its maximum, and tied
  // positive maxima to the last. The native kernel computes the true gradient, as the cpu
  // backend (and PyTorch) do: the first maximum of each window. So the reference here is cpu.
  it.each(POOL_CASES)('MaxPoolGrad x=$x filter $filterSize stride $strides $pad equals the cpu backend, ties and negatives included', async (c) => {
    const x = randomValues(size(c.x), 31).map((v, i) => (i % 5 === 0 ? 0 : i % 7 === 0 ? 0.5 : v));
    const pooled = await runKernel(false, tf.MaxPool, { x: { shape: c.x, values: x } }, { filterSize: c.filterSize, strides: c.strides, pad: c.pad });
    const inputs = { dy: { shape: pooled.shape, values: randomValues(size(pooled.shape), 32) }, input: { shape: c.x, values: x }, output: { shape: pooled.shape, values: pooled.values } };
    const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
    const native = await runKernel(true, tf.MaxPoolGrad, inputs, attrs);
    await setupBackend({ backend: 'cpu' });
    const cpu = await expectNoTensorLeak(async () => {
      const tensors = Object.fromEntries(Object.entries(inputs).map(([name, v]) => [name, tf.tensor(v.values, v.shape)]));
      const out = tf.engine().runKernel(tf.MaxPoolGrad, tensors, attrs) as tf.Tensor;
      const values = (await out.data()) as Float32Array;
      tf.dispose([out, ...Object.values(tensors)]);
      return values;
    });
    // Overlapping windows add in another order: equal up to float rounding.
    expect(relativeError(native.values, cpu)).toBeLessThanOrEqual(1e-6);
  });

  it('MaxPoolGrad on ReLU outputs (all ≥ 0) equals the wasm kernel wherever a window has a positive maximum', async () => {
    const shape = [2, 8, 8, 3];
    const x = randomValues(size(shape), 34).map((v) => Math.max(v, 0));
    const pooled = await runKernel(false, tf.MaxPool, { x: { shape, values: x } }, { filterSize: 2, strides: 2, pad: 'valid' });
    await expectSameOnBothPaths(
      tf.MaxPoolGrad,
      { dy: { shape: pooled.shape, values: pooled.values.map((v, i) => (v > 0 ? (i % 3) - 1 : 0)) }, input: { shape, values: x }, output: { shape: pooled.shape, values: pooled.values } },
      { filterSize: 2, strides: 2, pad: 'valid' },
    );
  });

  const SUM_CASES = [
    { shape: [64, 7, 7, 5], axis: [0, 1, 2], keepDims: false },
    { shape: [300, 9], axis: [0], keepDims: true },
    { shape: [4, 5, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 5, 6], axis: [2], keepDims: false }, // trailing axes: the wasm kernel's case
    { shape: [4, 5, 6], axis: [1, 0], keepDims: false },
  ];
  it.each(SUM_CASES)('Sum over $axis of $shape (keepDims $keepDims)', async (c) => {
    await expectSameOnBothPaths(tf.Sum, inputsOf({ x: c.shape }, 33), { axis: c.axis, keepDims: c.keepDims });
  });

  it('a dilated convolution is handed to the wasm kernel', async () => {
    await expectSameOnBothPaths(tf.Conv2D, inputsOf({ x: [1, 9, 9, 2], filter: [3, 3, 2, 3] }, 15), { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2 });
  });

  it('gives a dense + conv network the same gradients on both paths', async () => {
    const gradsOn = async (native: boolean) => {
      await setupBackend({ backend: 'wasm', native });
      return expectNoTensorLeak(async () => {
        const x = tf.tensor4d(randomValues(4 * 12 * 12 * 2, 21), [4, 12, 12, 2]);
        const initial = [tf.tensor4d(randomValues(3 * 3 * 2 * 6, 22), [3, 3, 2, 6]), tf.tensor1d(randomValues(6, 23)), tf.tensor2d(randomValues(6 * 6 * 6 * 10, 24), [6 * 6 * 6, 10])];
        const [filter, bias, dense] = initial.map((t) => tf.variable(t)) as [tf.Variable, tf.Variable, tf.Variable];
        tf.dispose(initial);
        const { value, grads } = tf.variableGrads(() => {
          const h = tf.fused.conv2d({ x, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' });
          const pooled = tf.maxPool(h, 2, 2, 'valid').reshape([4, -1]);
          const logits = tf.fused.matMul({ a: pooled as tf.Tensor2D, b: dense as tf.Tensor2D, activation: 'linear' });
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 3, 5, 7], 'int32'), 10), logits) as tf.Scalar;
        }, [filter, bias, dense]);
        const out = { loss: (await value.data())[0]!, grads: await Promise.all(Object.values(grads).map((g) => g.data() as Promise<Float32Array>)) };
        tf.dispose([value, ...Object.values(grads), x, filter, bias, dense]);
        return out;
      });
    };
    const wasm = await gradsOn(false);
    const native = await gradsOn(true);
    expect(Math.abs(native.loss - wasm.loss)).toBeLessThanOrEqual(TOLERANCE * Math.abs(wasm.loss));
    native.grads.forEach((g, i) => expect(relativeError(g, wasm.grads[i]!)).toBeLessThanOrEqual(TOLERANCE));
  });
});

describe('turning the native kernels off', () => {
  beforeEach(() => {
    delete process.env[NATIVE_ENV_VARIABLE];
  });
  afterEach(async () => {
    delete process.env[NATIVE_ENV_VARIABLE];
    await setupBackend({ backend: 'wasm' });
  });

  it('DISTILLERY_NATIVE=0 leaves the wasm kernels in place and says so', async () => {
    process.env[NATIVE_ENV_VARIABLE] = '0';
    const info = await setupBackend({ backend: 'wasm' });
    expect(info.native).toEqual({ active: false, reason: 'turned off (DISTILLERY_NATIVE=0)' });
    expect(nativeKernelsInstalled()).toBe(false);
  });

  it('native: false wins over the environment, and a later set-up turns them back on where built', async () => {
    expect((await setupBackend({ backend: 'wasm', native: false })).native.active).toBe(false);
    const info = await setupBackend({ backend: 'wasm' });
    expect(info.native.active).toBe(loaded.ok);
    expect(nativeKernelsInstalled()).toBe(loaded.ok);
  });

  it('the cpu backend reports the native kernels as not in use', async () => {
    const info = await setupBackend({ backend: 'cpu' });
    expect(info.native).toEqual({ active: false, reason: 'native kernels serve the wasm backend only' });
  });
});
