import * as tf from '@tensorflow/tfjs';
import type { WasmBackendHandle } from '../backend/wasm-kernels/wasm-backend-handle.js';

/**
 * A float32 tensor whose values `fill` writes. On wasm it writes them straight into the tensor's
 * heap memory (fill allocates nothing there, so the view stays valid); elsewhere into an array
 * the tensor then takes (the cpu backend keeps that array, so it is never reused).
 */
export function filledTensor(shape: number[], fill: (values: Float32Array) => void): tf.Tensor {
  if (tf.getBackend() !== 'wasm') {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(values);
    return tf.tensor(values, shape, 'float32');
  }
  const backend = tf.backend() as unknown as WasmBackendHandle;
  const info = backend.makeOutput(shape, 'float32');
  try {
    fill(backend.typedArrayFromHeap(info) as Float32Array);
  } catch (error) {
    backend.disposeData(info.dataId);
    throw error;
  }
  return tf.engine().makeTensorFromTensorInfo(info);
}
