import * as tf from '@tensorflow/tfjs';
import { callKernel, stockWasmKernel, type KernelFunc } from './wasm-backend-handle.js';

/**
 * Mean over leading axes (a per-channel mean of a batch of images: axes [0, 1, 2] of NHWC, as
 * batch-norm's moments take it) as row sums. tfjs-backend-wasm transposes the reduced axes to
 * the end first, a full copy with an index per element; here the rows are added in place into
 * one accumulator per channel, in float64. Other axes, and other dtypes, go to the stock kernel.
 */
export function createMeanKernel(): tf.KernelConfig {
  const stock = stockWasmKernel(tf.Mean);
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs['x']!;
    const rank = x.shape.length;
    const raw = attrs['axis'] as number | number[] | null | undefined;
    const axes = [...new Set((raw === null || raw === undefined ? x.shape.map((_, i) => i) : Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return callKernel(stock, backend, inputs, attrs);
    const outer = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(axes.length);
    const inner = kept.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput(attrs['keepDims'] === true ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    if (outer === 0 || inner === 0) {
      dst.fill(Number.NaN);
      return out;
    }
    const sums = new Float64Array(inner);
    for (let row = 0, offset = 0; row < outer; row++, offset += inner) {
      for (let j = 0; j < inner; j++) sums[j]! += src[offset + j]!;
    }
    for (let j = 0; j < inner; j++) dst[j] = sums[j]! / outer;
    return out;
  };
  return {
    kernelName: tf.Mean,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    // The stock kernel binds its wasm function in its set-up: it must still run for the delegation.
    ...(stock.setupFunc === undefined ? {} : { setupFunc: stock.setupFunc }),
  };
}
