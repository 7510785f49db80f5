import type * as tf from '@tensorflow/tfjs';
import type { WasmBackendHandle } from '../wasm-kernels/wasm-backend-handle.js';
import { heapBuffer, offsetOf, sizeOf, type NativeKernelFunc } from './native-heap.js';

/**
 * One Adam step as one kernel: inputs value, m, v, gradient; outputs the new value, m, v.
 * Only the native kernels register it (nothing on wasm): a JavaScript loop doing the same float32 ops in order
 * was measured slower (21 vs 18 ms per 1.44 M weights) than tfjs's ~12 XNNPACK passes, so the
 * wasm path keeps tfjs's Adam; the C loop takes 6 ms.
 */
export const ADAM_UPDATE_KERNEL = 'DistilleryAdamUpdate';

/** Adam's constants, each already rounded to float32 as tfjs' scalar tensors are. */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly oneMinusAccBeta1: number;
  readonly oneMinusAccBeta2: number;
  readonly epsilon: number;
  readonly minusLearningRate: number;
}

/** The three outputs, shaped like the variable; allocated before any view is taken (the heap may grow). */
export function allocateAdamOutputs(backend: WasmBackendHandle, inputs: Record<string, tf.TensorInfo>): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const shape = inputs['value']!.shape;
  return [backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32')];
}

/** The fused Adam step in C: the same float ops as the wasm loop (and tfjs' ops), faster. */
export const nativeAdamUpdate: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const outputs = allocateAdamOutputs(backend, inputs);
  const a = attrs as unknown as AdamUpdateAttrs;
  const at = (info: typeof outputs[number]) => offsetOf(backend, info);
  addon.adamUpdate(
    heapBuffer(backend), sizeOf(inputs['value']!.shape),
    at(inputs['value']!), at(inputs['m']!), at(inputs['v']!), at(inputs['gradient']!),
    at(outputs[0]), at(outputs[1]), at(outputs[2]),
    a.beta1, a.oneMinusBeta1, a.beta2, a.oneMinusBeta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, a.minusLearningRate,
  );
  return outputs as unknown as ReturnType<NativeKernelFunc>;
};
