import * as tf from '@tensorflow/tfjs';
import { convGeometry, im2col } from './conv-geometry.js';
import {
  callKernel,
  readHeap,
  rowsPerChunk,
  stockWasmKernel,
  type KernelFunc,
} from './wasm-backend-handle.js';


/**
 * Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks (conv training throws).
 *
 * dW[kh,kw,c,o] = Σ_{b,oh,ow} x[b, oh·s+kh−pad, ow·s+kw−pad, c] · dy[b,oh,ow,o]
 *              = (dyᵀ · im2col(x))ᵀ
 * The matrix product runs on the stock (XNNPACK) untransposed BatchMatMul; we transpose dy
 * rather than the much larger im2col matrix. Work is chunked over the batch so the im2col
 * scratch stays bounded.
 */
export function createConv2DBackpropFilterKernel(): tf.KernelConfig {
  const matMul = stockWasmKernel(tf.BatchMatMul);

  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const x = inputs['x']!;
    const dy = inputs['dy']!;
    const filterShape = attrs['filterShape'] as number[];
    const g = convGeometry(tf.Conv2DBackpropFilter, x.shape, filterShape, attrs);
    const k = g.filterHeight * g.filterWidth * g.inChannels;
    const outChannels = g.outChannels;
    const positions = g.outHeight * g.outWidth;
    const examplesPerChunk = Math.max(1, Math.floor(rowsPerChunk(k, g.batch * positions) / positions));
    const acc = new Float32Array(outChannels * k);

    for (let b0 = 0; b0 < g.batch; b0 += examplesPerChunk) {
      const b1 = Math.min(g.batch, b0 + examplesPerChunk);
      const rows = (b1 - b0) * positions;
      const cols = backend.makeOutput([1, rows, k], 'float32');
      const dyT = backend.makeOutput([1, outChannels, rows], 'float32');
      // Views are taken after every allocation: a growing heap detaches older views.
      const xView = backend.typedArrayFromHeap(x) as Float32Array;
      const dyView = backend.typedArrayFromHeap(dy) as Float32Array;
      im2col(g, xView, b0, b1, backend.typedArrayFromHeap(cols) as Float32Array);
      const dyTView = backend.typedArrayFromHeap(dyT) as Float32Array;
      const dyOffset = b0 * positions * outChannels;
      for (let r = 0; r < rows; r++) {
        const src = dyOffset + r * outChannels;
        for (let o = 0; o < outChannels; o++) dyTView[o * rows + r] = dyView[src + o]!;
      }
      const partial = callKernel(matMul, backend, { a: dyT, b: cols }, { transposeA: false, transposeB: false });
      const values = readHeap(backend, partial);
      for (let i = 0; i < acc.length; i++) acc[i]! += values[i]!;
      backend.disposeData(partial.dataId);
      backend.disposeData(cols.dataId);
      backend.disposeData(dyT.dataId);
    }

    const out = backend.makeOutput(filterShape, 'float32');
    const outView = backend.typedArrayFromHeap(out) as Float32Array;
    for (let o = 0; o < outChannels; o++) {
      for (let i = 0; i < k; i++) outView[i * outChannels + o] = acc[o * k + i]!;
    }
    return out;
  };

  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
