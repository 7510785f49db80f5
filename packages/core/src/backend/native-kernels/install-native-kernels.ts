import * as tf from '@tensorflow/tfjs';
import type { NativeAddon, NativeLoad } from '@distillery/native';
import { ADAM_UPDATE_KERNEL, nativeAdamUpdate } from './adam-update.js';
import { BATCH_NORM_TRAIN_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL, nativeBatchNormTrain, nativeBatchNormTrainGrad } from './batch-norm.js';
import { nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput, nativeFusedConv2D } from './conv2d.js';
import { KD_GRAD_KERNEL, KD_KERNEL, XENT_GRAD_KERNEL, XENT_KERNEL, nativeKd, nativeKdGrad, nativeXent, nativeXentGrad, registerLogitLossGradients } from './logit-losses.js';
import { nativeBatchMatMul, nativeFusedMatMul } from './mat-mul.js';
import { nativeMaxPoolGrad, nativeSum } from './pool-and-sum.js';
import { nativeKernelConfig, type NativeKernelFunc } from './native-heap.js';

/** Which kernels run natively, over the wasm backend's memory. */
const NATIVE_KERNELS: ReadonlyArray<readonly [string, NativeKernelFunc]> = [
  [tf.BatchMatMul, nativeBatchMatMul],
  [tf._FusedMatMul, nativeFusedMatMul],
  [tf.Conv2D, nativeConv2D],
  [tf.FusedConv2D, nativeFusedConv2D],
  [tf.Conv2DBackpropFilter, nativeConv2DBackpropFilter],
  [tf.Conv2DBackpropInput, nativeConv2DBackpropInput],
  [tf.MaxPoolGrad, nativeMaxPoolGrad],
  [tf.Sum, nativeSum],
  [ADAM_UPDATE_KERNEL, nativeAdamUpdate],
  [XENT_KERNEL, nativeXent],
  [XENT_GRAD_KERNEL, nativeXentGrad],
  [KD_KERNEL, nativeKd],
  [KD_GRAD_KERNEL, nativeKdGrad],
  [BATCH_NORM_TRAIN_KERNEL, nativeBatchNormTrain],
  [BATCH_NORM_TRAIN_GRAD_KERNEL, nativeBatchNormTrainGrad],
];

export const DISTILLERY_NATIVE_KERNELS: readonly string[] = NATIVE_KERNELS.map(([name]) => name);

/** Whether the native accelerator is in use on this thread, and why not when it is not. */
export type NativeStatus =
  | { readonly active: true; readonly blas: string; readonly core: string }
  | { readonly active: false; readonly reason: string };

export const NATIVE_ENV_VARIABLE = 'DISTILLERY_NATIVE';

// The kernels registered before ours (Distillery's wasm ones), put back by uninstall.
let replacedConfigs: Map<string, tf.KernelConfig | undefined> | undefined;

export function nativeKernelsInstalled(): boolean {
  return replacedConfigs !== undefined;
}

/** Registers the native kernels over the wasm backend's current ones. Idempotent. */
export function installNativeKernels(addon: NativeAddon): void {
  if (replacedConfigs !== undefined) return;
  registerLogitLossGradients();
  const saved = new Map<string, tf.KernelConfig | undefined>();
  for (const [name, native] of NATIVE_KERNELS) {
    const replaced = tf.getKernel(name, 'wasm');
    saved.set(name, replaced);
    if (replaced !== undefined) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(nativeKernelConfig(name, replaced, addon, native));
  }
  replacedConfigs = saved;
}

/** Puts back the wasm kernels the native ones replaced. */
export function uninstallNativeKernels(): void {
  if (replacedConfigs === undefined) return;
  for (const [name, replaced] of replacedConfigs) {
    tf.unregisterKernel(name, 'wasm');
    if (replaced !== undefined) tf.registerKernel(replaced);
  }
  replacedConfigs = undefined;
}

/** Off when DISTILLERY_NATIVE is 0/false/off, or the caller says so. */
export function nativeRequested(option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  const raw = (process.env[NATIVE_ENV_VARIABLE] ?? '').trim().toLowerCase();
  return !['0', 'false', 'off', 'no'].includes(raw);
}

/** Loads @distillery/native when it is installed; its absence is a reason, never an error. */
export async function loadNative(): Promise<NativeLoad> {
  // A variable name: @distillery/native is an optional dependency and may be missing.
  const moduleName = '@distillery/native';
  try {
    const native = (await import(moduleName)) as { loadNativeAddon(): NativeLoad };
    return native.loadNativeAddon();
  } catch (error) {
    return { ok: false, reason: `@distillery/native is not installed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

/** Switches the native kernels on or off for the wasm backend and says which path is active. */
export async function configureNativeKernels(requested: boolean | undefined): Promise<NativeStatus> {
  if (!nativeRequested(requested)) {
    uninstallNativeKernels();
    return { active: false, reason: requested === false ? 'turned off (native: false)' : `turned off (${NATIVE_ENV_VARIABLE}=${process.env[NATIVE_ENV_VARIABLE]})` };
  }
  const loaded = await loadNative();
  if (!loaded.ok) {
    uninstallNativeKernels();
    return { active: false, reason: loaded.reason };
  }
  installNativeKernels(loaded.addon);
  return { active: true, blas: loaded.blas, core: loaded.core };
}
