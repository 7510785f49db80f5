import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from './wasm-backend-handle.js';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity without a copy, as the cpu backend does it: tensors are immutable (a variable's
 * assign swaps its data, never writes into it), so sharing the data is safe. tfjs-backend-wasm
 * copies, and gradients and casts call Identity dozens of times per training step.
 */
export function createIdentityKernel(): tf.KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend }) => {
    const x = inputs['x']!;
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
