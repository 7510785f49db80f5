import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '@distillery/native';
import { heapBuffer, offsetOf, sizeOf, type NativeKernelFunc, type WasmHeapBackend } from './native-heap.js';

/** Activation codes of distillery-native.c; activations missing here stay on wasm (prelu). */
const ACTIVATION_CODES: Record<string, number> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

export function activationCode(activation: unknown): number | undefined {
  return ACTIVATION_CODES[(activation as string | undefined) ?? 'linear'];
}

/**
 * op(A)·op(B) over broadcast batch dimensions, as BatchMatMul and _FusedMatMul define it. Only
 * the broadcasts one stride can express (equal batches, or one side's batch of 1) run natively;
 * anything else, and non-float32 data, returns undefined so the wasm kernel takes it.
 */
function matMul(
  addon: NativeAddon,
  backend: WasmHeapBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: Record<string, unknown>,
  bias: tf.TensorInfo | undefined,
  activation: number,
): tf.TensorInfo | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const transposeA = attrs['transposeA'] === true;
  const transposeB = attrs['transposeB'] === true;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kB) return undefined; // let the wasm kernel say what is wrong
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outerShape = batchA >= batchB ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  if (batchA === batchB && ra !== rb) return undefined; // e.g. [1,2] vs [2]: leave the shape rules to tfjs
  if (bias !== undefined && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n)) return undefined;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...outerShape, m, n], 'float32');
  if (batch * m * n === 0) return out;
  addon.gemm(
    heapBuffer(backend),
    batch, m, n, k,
    transposeA ? 1 : 0, transposeB ? 1 : 0,
    offsetOf(backend, a), batchA === 1 ? 0 : m * k,
    offsetOf(backend, b), batchB === 1 ? 0 : k * n,
    offsetOf(backend, out),
    bias === undefined ? -1 : offsetOf(backend, bias),
    activation,
    Number(attrs['leakyreluAlpha'] ?? 0) || 0,
  );
  return out;
}

export const nativeBatchMatMul: NativeKernelFunc = (addon, { inputs, backend, attrs }) =>
  matMul(addon, backend, inputs['a']!, inputs['b']!, attrs, undefined, 0);

export const nativeFusedMatMul: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const activation = activationCode(attrs['activation']);
  if (activation === undefined || inputs['preluActivationWeights'] != null) return undefined;
  return matMul(addon, backend, inputs['a']!, inputs['b']!, attrs, inputs['bias'] ?? undefined, activation);
};
