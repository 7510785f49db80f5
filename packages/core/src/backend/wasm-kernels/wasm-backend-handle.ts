import * as tf from '@tensorflow/tfjs';
import { DistilleryError } from '../../errors.js';

/**
 * The slice of tfjs-backend-wasm's BackendWasm that our kernels use. The class itself is not
 * exported in a form we can import without pulling the backend's side effects into core's types.
 */
export interface WasmBackendHandle {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
}

export type KernelFunc = (args: {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackendHandle;
  attrs: Record<string, unknown>;
}) => tf.TensorInfo;

/** A kernel of the stock wasm backend, kept so our kernels can delegate to it. */
export function stockWasmKernel(kernelName: string): tf.KernelConfig {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new DistilleryError('E_KERNEL', `the wasm backend has no '${kernelName}' kernel to build on`);
  }
  return config;
}

export function callKernel(
  config: tf.KernelConfig,
  backend: WasmBackendHandle,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const kernelFunc = config.kernelFunc as unknown as KernelFunc;
  return kernelFunc({ inputs, backend, attrs });
}

/** Allocates a float32 buffer on the wasm heap and fills it from `values`. */
export function heapTensor(backend: WasmBackendHandle, shape: number[], values: Float32Array): tf.TensorInfo {
  const info = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(info) as Float32Array).set(values);
  return info;
}

/** Copies a heap tensor's values out to a JS array (views die when the heap grows). */
export function readHeap(backend: WasmBackendHandle, info: tf.TensorInfo): Float32Array {
  return (backend.typedArrayFromHeap(info) as Float32Array).slice();
}

let scratchElements = 8 * 1024 * 1024;

/** Caps the im2col scratch matrix (elements); tests lower it to exercise the chunked path. */
export function setWasmKernelScratchLimit(elements: number): number {
  const previous = scratchElements;
  scratchElements = Math.max(1, Math.floor(elements));
  return previous;
}

/** Rows per chunk so that a [rows, width] scratch matrix stays under the scratch limit (~32 MiB). */
export function rowsPerChunk(width: number, totalRows: number): number {
  return Math.max(1, Math.min(totalRows, Math.floor(scratchElements / Math.max(1, width))));
}
