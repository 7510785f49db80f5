import * as tf from '@tensorflow/tfjs';
import { leadingReduction } from '../leading-reduction.js';
import { heapBuffer, offsetOf, sizeOf, type NativeKernelFunc } from './native-heap.js';

/**
 * tfjs-backend-wasm 4.22's MaxPoolGrad revisits every window of every input pixel: ~40% of a
 * small CNN's step (measured in bench/train-speed's model). One pass over the outputs instead.
 */
export const nativeMaxPoolGrad: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const dy = inputs['dy']!;
  const input = inputs['input']!;
  if (dy.dtype !== 'float32' || input.dtype !== 'float32' || input.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs['filterSize'] as [number, number] | number,
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const dx = backend.makeOutput(input.shape, 'float32');
  if (sizeOf(input.shape) === 0) return dx;
  addon.maxPoolGrad(
    heapBuffer(backend),
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.effectiveFilterHeight, info.effectiveFilterWidth, info.padInfo.top, info.padInfo.left,
    offsetOf(backend, input), offsetOf(backend, dy), offsetOf(backend, dx),
  );
  return dx;
};

/**
 * Sum over leading axes (a bias gradient: Σ over batch and positions): the wasm kernel first
 * transposes the reduced axes innermost, a full copy of a large activation. Column sums read it
 * once, accumulating in double. Other reductions stay on wasm.
 */
export const nativeSum: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const x = inputs['x']!;
  const plan = x.dtype === 'float32' ? leadingReduction(x, attrs) : undefined;
  if (plan === undefined) return undefined;
  const out = backend.makeOutput(plan.outShape, 'float32');
  addon.columnSums(heapBuffer(backend), plan.rows, plan.inner, offsetOf(backend, x), offsetOf(backend, out));
  return out;
};
