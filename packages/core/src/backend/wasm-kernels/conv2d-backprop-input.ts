import * as tf from '@tensorflow/tfjs';
import { col2imAdd, convGeometry } from './conv-geometry.js';
import {
  callKernel,
  heapTensor,
  rowsPerChunk,
  stockWasmKernel,
  type KernelFunc,
} from './wasm-backend-handle.js';

/**
 * Conv2DBackpropInput for wasm. The stock kernel is a direct loop nest; this one is
 * col2im(dy · Wᵀ): one XNNPACK matrix product per batch chunk, then a scatter-add in JS.
 * W is [kh, kw, c, o], i.e. a [K, o] matrix with K = kh·kw·c; Wᵀ is built once in JS (small).
 */
export function createConv2DBackpropInputKernel(): tf.KernelConfig {
  const matMul = stockWasmKernel(tf.BatchMatMul);

  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const dy = inputs['dy']!;
    const filter = inputs['filter']!;
    const inputShape = attrs['inputShape'] as number[];
    const g = convGeometry(tf.Conv2DBackpropInput, inputShape, filter.shape, attrs);
    const k = g.filterHeight * g.filterWidth * g.inChannels;
    const outChannels = g.outChannels;
    const positions = g.outHeight * g.outWidth;

    const w = backend.typedArrayFromHeap(filter) as Float32Array;
    const wT = new Float32Array(outChannels * k);
    for (let i = 0; i < k; i++) {
      for (let o = 0; o < outChannels; o++) wT[o * k + i] = w[i * outChannels + o]!;
    }
    const wTInfo = heapTensor(backend, [1, outChannels, k], wT);
    const dx = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
    const examplesPerChunk = Math.max(1, Math.floor(rowsPerChunk(k, g.batch * positions) / positions));

    try {
      for (let b0 = 0; b0 < g.batch; b0 += examplesPerChunk) {
        const b1 = Math.min(g.batch, b0 + examplesPerChunk);
        const rows = (b1 - b0) * positions;
        const dyChunk = backend.makeOutput([1, rows, outChannels], 'float32');
        const dyView = backend.typedArrayFromHeap(dy) as Float32Array;
        const start = b0 * positions * outChannels;
        (backend.typedArrayFromHeap(dyChunk) as Float32Array).set(dyView.subarray(start, start + rows * outChannels));
        const cols = callKernel(matMul, backend, { a: dyChunk, b: wTInfo }, { transposeA: false, transposeB: false });
        backend.disposeData(dyChunk.dataId);
        col2imAdd(g, backend.typedArrayFromHeap(cols) as Float32Array, b0, b1, dx);
        backend.disposeData(cols.dataId);
      }
    } finally {
      backend.disposeData(wTInfo.dataId);
    }
    return heapTensor(backend, inputShape, dx);
  };

  // Keep the stock set-up so the stock kernel still works if it is restored later.
  const stockSetup = stockWasmKernel(tf.Conv2DBackpropInput).setupFunc;
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    ...(stockSetup === undefined ? {} : { setupFunc: stockSetup }),
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
