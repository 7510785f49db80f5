import type * as tf from '@tensorflow/tfjs';
import type { KernelFunc, WasmBackendHandle } from './wasm-backend-handle.js';

/** One Adam step as one kernel: inputs value, m, v, gradient; outputs the new value, m, v. */
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

/**
 * tfjs' AdamOptimizer runs ~12 kernels per variable, each a full pass over memory, plus their
 * dispatch: most of a small model's optimiser time. This loop does the same float32 operations
 * in the same order (Math.fround after each), so its bits equal theirs, in one pass.
 */
export function adamUpdateOnHeap(
  value: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
  outValue: Float32Array, outM: Float32Array, outV: Float32Array,
  a: AdamUpdateAttrs,
): void {
  const f = Math.fround;
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon, minusLearningRate } = a;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const m1 = f(f(m[i]! * beta1) + f(gi * oneMinusBeta1));
    const v1 = f(f(v[i]! * beta2) + f(f(gi * gi) * oneMinusBeta2));
    const mh = f(m1 / oneMinusAccBeta1);
    const vh = f(v1 / oneMinusAccBeta2);
    const step = f(f(mh / f(f(Math.sqrt(vh)) + epsilon)) * minusLearningRate);
    outM[i] = m1;
    outV[i] = v1;
    outValue[i] = f(step + value[i]!);
  }
}

export function createAdamUpdateKernel(): tf.KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const outputs = allocateAdamOutputs(backend, inputs);
    const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
    adamUpdateOnHeap(
      view(inputs['value']!), view(inputs['m']!), view(inputs['v']!), view(inputs['gradient']!),
      view(outputs[0]), view(outputs[1]), view(outputs[2]),
      attrs as unknown as AdamUpdateAttrs,
    );
    return outputs as unknown as tf.TensorInfo;
  };
  return { kernelName: ADAM_UPDATE_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** The three outputs, shaped like the variable; allocated before any view is taken (the heap may grow). */
export function allocateAdamOutputs(backend: WasmBackendHandle, inputs: Record<string, tf.TensorInfo>): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const shape = inputs['value']!.shape;
  return [backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32')];
}
