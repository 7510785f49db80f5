import * as tf from '@tensorflow/tfjs';
import { callKernel, stockWasmKernel, type KernelFunc, type WasmBackendHandle } from './wasm-backend-handle.js';

/**
 * tfjs-backend-wasm 4.22's BatchMatMul is ~10-15x slower with transposeA/transposeB than
 * without (measured in bench/kernels), and every dense backward pass asks for a transpose.
 * Transposing the operand explicitly (XNNPACK's transpose is memory-bound and cheap) and
 * then calling the fast untransposed kernel gives the same numbers far faster.
 */
export function createBatchMatMulKernel(): tf.KernelConfig {
  const stock = stockWasmKernel(tf.BatchMatMul);
  const transpose = stockWasmKernel(tf.Transpose);

  const swapLastTwo = (backend: WasmBackendHandle, x: tf.TensorInfo): tf.TensorInfo => {
    const rank = x.shape.length;
    const perm = x.shape.map((_, i) => i);
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return callKernel(transpose, backend, { x }, { perm });
  };

  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const a = inputs['a']!;
    const b = inputs['b']!;
    if (!transposeA && !transposeB) return callKernel(stock, backend, inputs, attrs);
    const temporaries: tf.TensorInfo[] = [];
    const aPlain = transposeA ? swapLastTwo(backend, a) : a;
    const bPlain = transposeB ? swapLastTwo(backend, b) : b;
    if (transposeA) temporaries.push(aPlain);
    if (transposeB) temporaries.push(bPlain);
    try {
      return callKernel(stock, backend, { a: aPlain, b: bPlain }, { ...attrs, transposeA: false, transposeB: false });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };

  return {
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    ...(stock.setupFunc === undefined ? {} : { setupFunc: stock.setupFunc }),
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
  };
}
