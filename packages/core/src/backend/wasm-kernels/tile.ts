import * as tf from '@tensorflow/tfjs';
import type { KernelFunc } from './wasm-backend-handle.js';

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Tile by block copies. tfjs-backend-wasm's Tile computes an index per output element, and
 * `broadcastTo` (which batch-norm's gradient calls on activation-sized tensors) is a Tile: for
 * a conv 32-64 CNN with batch-norm it took 270 of a 520 ms step. Here each dimension is written
 * once for its first repetition, then copied as one contiguous block into the others, doubling
 * the copied span each time, so a broadcast costs about one memcpy of the output.
 */
export function createTileKernel(): tf.KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs['x']!;
    const reps = attrs['reps'] as number[];
    const inShape = x.shape;
    const outShape = inShape.map((n, i) => n * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((n) => n === 0)) return out;
    // Views after the output exists: allocating it may grow (and move) the wasm heap.
    const src = backend.typedArrayFromHeap(x) as Values;
    const dst = backend.typedArrayFromHeap(out) as Values;
    if (inShape.length === 0) {
      dst[0] = src[0]!;
      return out;
    }
    const rank = inShape.length;
    const inStride = new Array<number>(rank).fill(1);
    const outStride = new Array<number>(rank).fill(1);
    for (let d = rank - 2; d >= 0; d--) {
      inStride[d] = inStride[d + 1]! * inShape[d + 1]!;
      outStride[d] = outStride[d + 1]! * outShape[d + 1]!;
    }
    const fill = (d: number, inOffset: number, outOffset: number): void => {
      const n = inShape[d]!;
      if (d === rank - 1) {
        if (n === 1) {
          dst.fill(src[inOffset]!, outOffset, outOffset + reps[d]!);
          return;
        }
        dst.set(src.subarray(inOffset, inOffset + n), outOffset);
      } else {
        for (let i = 0; i < n; i++) fill(d + 1, inOffset + i * inStride[d]!, outOffset + i * outStride[d]!);
      }
      replicate(dst, outOffset, n * outStride[d]!, reps[d]!);
    };
    fill(0, 0, 0);
    return out;
  };
  return { kernelName: tf.Tile, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Turns the block [start, start + block) into `times` copies of itself, back to back. */
function replicate(values: Values, start: number, block: number, times: number): void {
  const end = start + block * times;
  for (let written = block; start + written < end; written *= 2) {
    values.copyWithin(start + written, start, Math.min(start + written, end - written));
  }
}
