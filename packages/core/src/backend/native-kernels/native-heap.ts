import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@distillery/native';
import { callKernel, type KernelFunc, type WasmBackendHandle } from '../wasm-kernels/wasm-backend-handle.js';

/** The parts of tfjs-backend-wasm's BackendWasm that give a tensor's place in wasm memory. */
export interface WasmHeapBackend extends WasmBackendHandle {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  getMemoryOffset(dataId: tf.DataId): number;
}

/** A native kernel: computes into the wasm heap, or returns undefined to hand over to wasm. */
export type NativeKernelFunc = (
  addon: NativeAddon,
  args: { inputs: Record<string, tf.TensorInfo>; backend: WasmHeapBackend; attrs: Record<string, unknown> },
) => tf.TensorInfo | undefined;

/**
 * The wasm memory's ArrayBuffer now. Read it after every allocation: growing the heap
 * replaces the buffer (the addon then sees the new one; old offsets stay valid).
 */
export function heapBuffer(backend: WasmHeapBackend): ArrayBufferLike {
  return backend.wasm.HEAPU8.buffer;
}

export function offsetOf(backend: WasmHeapBackend, info: tf.TensorInfo): number {
  return backend.getMemoryOffset(info.dataId);
}

/** Whether a Distillery kernel is registered for the active backend (the fused ones exist only with the native kernels). */
export function kernelInstalled(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds a kernel config that runs `native` and falls back to the kernel it replaces. */
export function nativeKernelConfig(
  kernelName: string,
  replaced: tf.KernelConfig | undefined,
  addon: NativeAddon,
  native: NativeKernelFunc,
): tf.KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const out = native(addon, { inputs, backend: backend as WasmHeapBackend, attrs });
    if (out !== undefined) return out;
    if (replaced === undefined) throw new Error(`${kernelName}: no wasm kernel to fall back to`);
    return callKernel(replaced, backend, inputs, attrs);
  };
  return {
    kernelName,
    backendName: 'wasm',
    ...(replaced?.setupFunc === undefined ? {} : { setupFunc: replaced.setupFunc }),
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
