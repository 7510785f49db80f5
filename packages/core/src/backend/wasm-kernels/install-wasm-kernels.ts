import * as tf from '@tensorflow/tfjs';
import { createBatchMatMulKernel } from './batch-mat-mul.js';
import { createConv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { createConv2DBackpropInputKernel } from './conv2d-backprop-input.js';
import { createIdentityKernel } from './identity.js';
import { createMeanKernel } from './mean.js';
import { createTileKernel } from './tile.js';

/** The kernels Distillery puts in place of (or beside) tfjs-backend-wasm's own. */
export const DISTILLERY_WASM_KERNELS = [tf.BatchMatMul, tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.Identity, tf.Mean, tf.Tile] as const;

// What was registered before we patched: restored by uninstall (bench/kernels compares both).
let stockConfigs: Map<string, tf.KernelConfig | undefined> | undefined;

/** Registers Distillery's wasm kernels. Idempotent. The wasm backend module must be imported. */
export function installWasmKernels(): void {
  if (stockConfigs !== undefined) return;
  const patches = [createBatchMatMulKernel(), createConv2DBackpropFilterKernel(), createConv2DBackpropInputKernel(), createIdentityKernel(), createMeanKernel(), createTileKernel()];
  const saved = new Map<string, tf.KernelConfig | undefined>();
  for (const patch of patches) {
    const existing = tf.getKernel(patch.kernelName, 'wasm');
    saved.set(patch.kernelName, existing);
    if (existing !== undefined) tf.unregisterKernel(patch.kernelName, 'wasm');
    tf.registerKernel(patch);
  }
  stockConfigs = saved;
}

/** Puts the stock wasm kernels back (Conv2DBackpropFilter then has none, as in tfjs 4.22). */
export function uninstallWasmKernels(): void {
  if (stockConfigs === undefined) return;
  for (const [name, stock] of stockConfigs) {
    tf.unregisterKernel(name, 'wasm');
    if (stock !== undefined) tf.registerKernel(stock);
  }
  stockConfigs = undefined;
}

export function wasmKernelsInstalled(): boolean {
  return stockConfigs !== undefined;
}
