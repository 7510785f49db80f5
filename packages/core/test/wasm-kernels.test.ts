import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, setWasmKernelScratchLimit } from '../src/index.js';
import { expectNoTensorLeak, relativeError } from '../src/testing.js';
import { createRandom } from '../src/random.js';

// Each Distillery wasm kernel must give the cpu backend's numbers on the same inputs. The native
// kernels are off here (native: false) so that these are the wasm kernels; native-kernels.test.ts
// compares the native ones with these.
const TOLERANCE = 1e-5;

function randomValues(size: number, seed: number): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

/** Runs one kernel on a backend with fresh input tensors and returns its output values. */
async function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; values: Float32Array }> {
  await setupBackend({ backend, fallbackToCpu: false, native: false });
  return expectNoTensorLeak(async () => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([name, v]) => [name, tf.tensor(v.values, v.shape)]),
    );
    const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { shape: out.shape, values: (await out.data()) as Float32Array };
    out.dispose();
    Object.values(tensors).forEach((t) => t.dispose());
    return result;
  });
}

async function expectSameOnBothBackends(
  kernel: string,
  inputs: Record<string, { shape: number[]; values: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<void> {
  const reference = await runOn('cpu', kernel, inputs, attrs);
  const actual = await runOn('wasm', kernel, inputs, attrs);
  expect(actual.shape).toEqual(reference.shape);
  expect(relativeError(actual.values, reference.values)).toBeLessThanOrEqual(TOLERANCE);
}

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'valid' | 'same';
}

const CONV_CASES: ConvCase[] = [
  { name: 'stride 1, valid', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: 'stride 1, same', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: 'stride 2, valid, odd sizes', x: [3, 9, 7, 2], filter: [3, 5, 2, 5], strides: 2, pad: 'valid' },
  { name: 'stride 2, same, odd sizes', x: [3, 9, 7, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { name: 'batch 1, one channel', x: [1, 11, 13, 1], filter: [5, 5, 1, 7], strides: 1, pad: 'same' },
  { name: 'batch 1, stride 2, even filter', x: [1, 10, 10, 4], filter: [2, 2, 4, 3], strides: 2, pad: 'same' },
];

function convOutShape(c: ConvCase): number[] {
  const [b, h, w] = c.x;
  const out = (n: number, k: number) => (c.pad === 'same' ? Math.ceil(n / c.strides) : Math.ceil((n - k + 1) / c.strides));
  return [b, out(h, c.filter[0]), out(w, c.filter[1]), c.filter[3]];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('Distillery wasm kernels match the cpu backend', () => {
  let previousLimit = 0;
  beforeAll(() => {
    previousLimit = setWasmKernelScratchLimit(8 * 1024 * 1024);
  });
  afterAll(async () => {
    setWasmKernelScratchLimit(previousLimit);
    await setupBackend({ backend: 'wasm' });
  });

  describe.each(CONV_CASES)('Conv2DBackpropFilter: $name', (c) => {
    it('matches cpu', async () => {
      const dyShape = convOutShape(c);
      await expectSameOnBothBackends(
        tf.Conv2DBackpropFilter,
        { x: { shape: c.x, values: randomValues(size(c.x), 1) }, dy: { shape: dyShape, values: randomValues(size(dyShape), 2) } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
      );
    });
  });

  describe.each(CONV_CASES)('Conv2DBackpropInput: $name', (c) => {
    it('matches cpu', async () => {
      const dyShape = convOutShape(c);
      await expectSameOnBothBackends(
        tf.Conv2DBackpropInput,
        { dy: { shape: dyShape, values: randomValues(size(dyShape), 3) }, filter: { shape: c.filter, values: randomValues(size(c.filter), 4) } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
      );
    });
  });

  it('chunks the batch when the im2col scratch is small, with the same result', async () => {
    const c = CONV_CASES[3]!;
    const dyShape = convOutShape(c);
    setWasmKernelScratchLimit(50); // forces one example per chunk
    try {
      await expectSameOnBothBackends(
        tf.Conv2DBackpropFilter,
        { x: { shape: c.x, values: randomValues(size(c.x), 5) }, dy: { shape: dyShape, values: randomValues(size(dyShape), 6) } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
      );
      await expectSameOnBothBackends(
        tf.Conv2DBackpropInput,
        { dy: { shape: dyShape, values: randomValues(size(dyShape), 7) }, filter: { shape: c.filter, values: randomValues(size(c.filter), 8) } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
      );
    } finally {
      setWasmKernelScratchLimit(8 * 1024 * 1024);
    }
  });

  const MATMUL_CASES = [
    { a: [1, 7, 5], b: [1, 5, 3], transposeA: false, transposeB: false },
    { a: [1, 5, 7], b: [1, 5, 3], transposeA: true, transposeB: false },
    { a: [1, 7, 5], b: [1, 3, 5], transposeA: false, transposeB: true },
    { a: [1, 5, 7], b: [1, 3, 5], transposeA: true, transposeB: true },
    { a: [4, 33, 17], b: [4, 33, 9], transposeA: true, transposeB: false },
    { a: [2, 64, 31], b: [1, 13, 31], transposeA: false, transposeB: true },
    { a: [1, 1, 65], b: [1, 1, 3], transposeA: true, transposeB: false },
  ];
  it.each(MATMUL_CASES)('BatchMatMul a=$a b=$b tA=$transposeA tB=$transposeB matches cpu', async (c) => {
    await expectSameOnBothBackends(
      tf.BatchMatMul,
      { a: { shape: c.a, values: randomValues(size(c.a), 9) }, b: { shape: c.b, values: randomValues(size(c.b), 10) } },
      { transposeA: c.transposeA, transposeB: c.transposeB },
    );
  });

  it('trains a conv layer on wasm with the same gradients as cpu', async () => {
    const gradsOn = async (backend: 'cpu' | 'wasm') => {
      await setupBackend({ backend, fallbackToCpu: false, native: false });
      return expectNoTensorLeak(async () => {
        const x = tf.tensor4d(randomValues(2 * 10 * 10 * 2, 11), [2, 10, 10, 2]);
        const w = tf.tensor4d(randomValues(3 * 3 * 2 * 4, 12), [3, 3, 2, 4]);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
        )([x, w]);
        const out = { dx: await dx!.data(), dw: await dw!.data() };
        tf.dispose([x, w, dx!, dw!]);
        return out;
      });
    };
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('Identity on wasm shares data instead of copying', () => {
  it('a clone keeps its values when the original is disposed, and the other way round', async () => {
    await setupBackend({ backend: 'wasm', native: false });
    await expectNoTensorLeak(async () => {
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      const z = tf.clone(y);
      x.dispose();
      expect(Array.from(await y.data())).toEqual([1, 2, 3]);
      z.dispose();
      expect(Array.from(await y.data())).toEqual([1, 2, 3]);
      // A variable's assign swaps its data: a clone taken before keeps the old values.
      const v = tf.variable(y);
      const before = tf.clone(v);
      const next = tf.tensor1d([7, 8, 9]);
      v.assign(next);
      next.dispose();
      expect(Array.from(await before.data())).toEqual([1, 2, 3]);
      expect(Array.from(await v.data())).toEqual([7, 8, 9]);
      tf.dispose([y, v, before]);
    });
  });
});

describe('Tile on wasm (block copies) matches the cpu backend', () => {
  const CASES: Array<{ name: string; shape: number[]; reps: number[] }> = [
    { name: 'scalar', shape: [], reps: [] },
    { name: 'a vector', shape: [5], reps: [3] },
    { name: 'broadcast of per-channel moments over a batch of images', shape: [1, 1, 1, 7], reps: [3, 5, 4, 1] },
    { name: 'a trailing size-1 dimension', shape: [3, 4, 1], reps: [1, 1, 6] },
    { name: 'every dimension repeated, odd sizes', shape: [2, 3, 5], reps: [3, 2, 7] },
    { name: 'no repetition', shape: [2, 3], reps: [1, 1] },
    { name: 'a zero repetition', shape: [2, 3], reps: [0, 2] },
    { name: 'rank 5', shape: [2, 1, 3, 1, 2], reps: [1, 4, 1, 3, 2] },
  ];
  for (const c of CASES) {
    it(`float32: ${c.name}`, async () => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      await expectSameOnBothBackends(tf.Tile, { x: { shape: c.shape, values: randomValues(size, 5) } }, { reps: c.reps });
    });
  }

  it('int32 and bool keep their values and dtype', async () => {
    for (const dtype of ['int32', 'bool'] as const) {
      const results: Array<{ dtype: string; values: number[] }> = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await setupBackend({ backend, fallbackToCpu: false, native: false });
        results.push(
          await expectNoTensorLeak(async () => {
            const x = tf.tensor([1, 0, 3, 0, 5, 6], [2, 3, 1], dtype);
            const y = tf.tile(x, [2, 1, 3]);
            const out = { dtype: y.dtype, values: Array.from(await y.data()) };
            tf.dispose([x, y]);
            return out;
          }),
        );
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[1]!.dtype).toBe(dtype);
    }
  });
});

describe('Mean on wasm (row sums over leading axes) matches the cpu backend', () => {
  const CASES: Array<{ name: string; shape: number[]; axis: number | number[]; keepDims: boolean }> = [
    { name: "batch-norm's per-channel moments of NHWC", shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: false },
    { name: 'the same with keepDims', shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: true },
    { name: 'the batch axis of a matrix', shape: [33, 10], axis: 0, keepDims: false },
    { name: 'negative and unsorted axes', shape: [3, 4, 5], axis: [-2, 0], keepDims: false },
    { name: 'the last axis (the stock kernel)', shape: [6, 9], axis: -1, keepDims: false },
    { name: 'middle axes (the stock kernel)', shape: [3, 4, 5, 2], axis: [1, 2], keepDims: true },
    { name: 'every axis (the stock kernel)', shape: [3, 4], axis: [0, 1], keepDims: false },
  ];
  for (const c of CASES) {
    it(c.name, async () => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      await expectSameOnBothBackends(tf.Mean, { x: { shape: c.shape, values: randomValues(size, 9) } }, { axis: c.axis, keepDims: c.keepDims });
    });
  }

  it("gives batch-norm's training-step gradients as on cpu", async () => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await setupBackend({ backend, fallbackToCpu: false, native: false });
      grads.push(
        await expectNoTensorLeak(async () => {
          const x = tf.tensor4d(randomValues(2 * 5 * 5 * 3, 11), [2, 5, 5, 3]);
          const loss = (input: tf.Tensor) => {
            const { mean, variance } = tf.moments(input, [0, 1, 2]);
            return input.sub(mean).div(variance.add(1e-3).sqrt()).mul(tf.linspace(0.5, 2, 3)).square().sum() as tf.Scalar;
          };
          const g = tf.grad(loss)(x);
          const values = (await g.data()) as Float32Array;
          tf.dispose([x, g]);
          return values;
        }),
      );
    }
    expect(relativeError(grads[1]!, grads[0]!)).toBeLessThanOrEqual(1e-4);
  });
});
