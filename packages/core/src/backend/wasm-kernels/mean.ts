import * as tf from '@tensorflow/tfjs';
import { leadingReduction } from '../leading-reduction.js';
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
    const plan = x.dtype === 'float32' ? leadingReduction(x, attrs) : undefined;
    // A full reduction (nothing kept) stays on the stock kernel too.
    if (plan === undefined || plan.kept.length === 0) return callKernel(stock, backend, inputs, attrs);
    const { rows: outer, inner } = plan;
    const out = backend.makeOutput(plan.outShape, 'float32');
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
