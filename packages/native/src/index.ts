import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The addon's functions. `heap` is the wasm backend's memory (its ArrayBuffer, or a typed array
 * over it); every offset is in bytes into it, every stride in elements. Row-major throughout.
 */
export interface NativeAddon {
  /** C[i] = act(op(A[i])·op(B[i]) + bias); biasOffset < 0: no bias; a stride of 0 broadcasts. */
  gemm(
    heap: ArrayBufferLike | ArrayBufferView,
    batch: number, m: number, n: number, k: number,
    transposeA: number, transposeB: number,
    aOffset: number, aStride: number, bOffset: number, bStride: number, cOffset: number,
    biasOffset: number, activation: number, alpha: number,
  ): void;
  /** NHWC conv, HWIO filter; `geometry` is the 13 numbers of ConvGeometry, in its order. */
  conv2d(heap: ArrayBufferLike | ArrayBufferView, ...geometryThenOffsets: number[]): void;
  conv2dBackpropFilter(heap: ArrayBufferLike | ArrayBufferView, ...geometryThenOffsets: number[]): void;
  conv2dBackpropInput(heap: ArrayBufferLike | ArrayBufferView, ...geometryThenOffsets: number[]): void;
  /** Max-pool backprop: each dy value to the first maximum of its window (NHWC). */
  maxPoolGrad(heap: ArrayBufferLike | ArrayBufferView, ...shapeThenOffsets: number[]): void;
  /** out[j] = Σ_i x[i, j] over a [rows, cols] matrix, accumulated in double. */
  columnSums(heap: ArrayBufferLike | ArrayBufferView, rows: number, cols: number, xOffset: number, outOffset: number): void;
  /** One Adam step over n floats, in tfjs' AdamOptimizer's op order (same bits). */
  adamUpdate(
    heap: ArrayBufferLike | ArrayBufferView,
    n: number, valueOffset: number, mOffset: number, vOffset: number, gradientOffset: number,
    outValue: number, outM: number, outV: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, minusLearningRate: number,
  ): void;
  /** Hard-label cross-entropy, batch mean, of [rows, classes] logits and int32 labels: one float at outOffset. */
  xentLoss(heap: ArrayBufferLike | ArrayBufferView, rows: number, classes: number, logitsOffset: number, labelsOffset: number, outOffset: number): void;
  /** Its gradient with respect to the logits, scaled by the scalar at dyOffset. */
  xentGrad(heap: ArrayBufferLike | ArrayBufferView, rows: number, classes: number, dyOffset: number, logitsOffset: number, labelsOffset: number, outOffset: number): void;
  /** Hinton kd, T²·mean KL(softmax(t/T) ‖ softmax(s/T)): one float at outOffset. */
  kdLoss(heap: ArrayBufferLike | ArrayBufferView, rows: number, classes: number, temperature: number, studentOffset: number, teacherOffset: number, outOffset: number): void;
  /** Its gradient with respect to the student's logits (wrtTeacher 0) or the teacher's (1), scaled by dy. */
  kdGrad(
    heap: ArrayBufferLike | ArrayBufferView,
    rows: number, classes: number, temperature: number, wrtTeacher: number,
    dyOffset: number, studentOffset: number, teacherOffset: number, outOffset: number,
  ): void;
  /** Batch-norm in training mode over [rows, channels]: writes y, the batch mean and the (biased) variance. */
  batchNormTrain(
    heap: ArrayBufferLike | ArrayBufferView,
    rows: number, channels: number, epsilon: number,
    xOffset: number, scaleOffset: number, offsetOffset: number, yOffset: number, meanOffset: number, varianceOffset: number,
  ): void;
  /** Its gradients with respect to x, γ and β. */
  batchNormTrainGrad(
    heap: ArrayBufferLike | ArrayBufferView,
    rows: number, channels: number, epsilon: number,
    dyOffset: number, xOffset: number, scaleOffset: number, meanOffset: number, varianceOffset: number,
    dxOffset: number, dScaleOffset: number, dOffsetOffset: number,
  ): void;
  info(): { blas: string; core: string };
}

export type NativeLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly blas: string; readonly core: string; readonly file: string }
  | { readonly ok: false; readonly reason: string };

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const NATIVE_ADDON_FILE = join(packageRoot, 'build', 'distillery-native.node');
const BUILD_INFO_FILE = join(packageRoot, 'build', 'build-info.json');

let cached: NativeLoad | undefined;

/** Loads the addon once per thread; says why when it is not there or does not load. */
export function loadNativeAddon(): NativeLoad {
  if (cached !== undefined) return cached;
  cached = load();
  return cached;
}

function load(): NativeLoad {
  if (!existsSync(NATIVE_ADDON_FILE)) return { ok: false, reason: `not built (${buildReason()})` };
  try {
    const addon = createRequire(import.meta.url)(NATIVE_ADDON_FILE) as NativeAddon;
    const { blas, core } = addon.info();
    return { ok: true, addon, blas, core, file: NATIVE_ADDON_FILE };
  } catch (error) {
    return { ok: false, reason: `${NATIVE_ADDON_FILE} did not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

function buildReason(): string {
  try {
    const info = JSON.parse(readFileSync(BUILD_INFO_FILE, 'utf8')) as { reason?: string };
    if (typeof info.reason === 'string') return info.reason;
  } catch {
    // no build info: the install script never ran
  }
  return 'its install script did not run; build it with `node packages/native/scripts/build.mjs`';
}
