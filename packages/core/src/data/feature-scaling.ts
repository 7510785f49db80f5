import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../contracts/dataset.js';
import { configError, DistilleryError } from '../errors.js';
import { InMemoryDataset } from './in-memory-dataset.js';

export type ScalingKind = 'standardize' | 'min-max';
export const SCALING_KINDS: readonly ScalingKind[] = ['standardize', 'min-max'];

/**
 * Per-feature scaling x' = (x − offset) · scale, fitted on training examples only and stored
 * with a saved model, so `eval`, `export` and a loaded model scale raw inputs the same way.
 * Plain data (JSON), one offset and scale per feature position of an example.
 */
export interface FeatureScaling {
  readonly kind: ScalingKind;
  readonly offset: readonly number[];
  readonly scale: readonly number[];
  /** How many examples it was fitted on (recorded in the model's metadata). */
  readonly fittedOn: number;
}

/**
 * Fits the scaling on the given examples of `dataset` (all of them by default): standardize →
 * mean and 1 / population std; min-max → min and 1 / (max − min). A constant feature gets scale
 * 1, so it becomes 0 rather than NaN.
 */
export function fitFeatureScaling(kind: ScalingKind, dataset: Dataset, indices?: ArrayLike<number>): FeatureScaling {
  if (!SCALING_KINDS.includes(kind)) throw configError('preprocessing', `one of ${SCALING_KINDS.join(', ')}`, kind);
  const rows = indices ?? Int32Array.from({ length: dataset.size }, (_, i) => i);
  if (rows.length === 0) throw new DistilleryError('E_DATASET', `${dataset.name}: cannot fit ${kind} scaling on zero examples`);
  const width = dataset.inputShape.reduce((a, b) => a * b, 1);
  const sum = new Float64Array(width);
  const squares = new Float64Array(width);
  const min = new Float64Array(width).fill(Infinity);
  const max = new Float64Array(width).fill(-Infinity);
  const chunk = 1024;
  const buffer = new Float32Array(chunk * width);
  for (let start = 0; start < rows.length; start += chunk) {
    const part = Array.from({ length: Math.min(chunk, rows.length - start) }, (_, i) => rows[start + i]!);
    dataset.copyFeatures(part, buffer);
    for (let r = 0; r < part.length; r++) {
      for (let f = 0; f < width; f++) {
        const v = buffer[r * width + f]!;
        sum[f]! += v;
        squares[f]! += v * v;
        if (v < min[f]!) min[f] = v;
        if (v > max[f]!) max[f] = v;
      }
    }
  }
  const n = rows.length;
  const offset: number[] = [];
  const scale: number[] = [];
  for (let f = 0; f < width; f++) {
    if (kind === 'standardize') {
      const mean = sum[f]! / n;
      const std = Math.sqrt(Math.max(0, squares[f]! / n - mean * mean));
      offset.push(mean);
      scale.push(std > 1e-12 ? 1 / std : 1);
    } else {
      const range = max[f]! - min[f]!;
      offset.push(min[f]!);
      scale.push(range > 1e-12 ? 1 / range : 1);
    }
  }
  return { kind, offset, scale, fittedOn: n };
}

function checkWidth(scaling: FeatureScaling, width: number, what: string): void {
  if (scaling.offset.length !== width || scaling.scale.length !== width) {
    throw new DistilleryError('E_SHAPE', `${what}: the ${scaling.kind} scaling has ${scaling.offset.length} features, the data has ${width}`);
  }
}

/** A copy of the dataset with every example scaled (the arrays behind the run's splits). */
export function scaleDataset(dataset: Dataset, scaling: FeatureScaling): InMemoryDataset {
  const width = dataset.inputShape.reduce((a, b) => a * b, 1);
  checkWidth(scaling, width, `dataset ${dataset.name}`);
  const all = Int32Array.from({ length: dataset.size }, (_, i) => i);
  const features = new Float32Array(dataset.size * width);
  dataset.copyFeatures(all, features);
  for (let i = 0; i < features.length; i++) {
    const f = i % width;
    features[i] = (features[i]! - scaling.offset[f]!) * scaling.scale[f]!;
  }
  return new InMemoryDataset({
    name: dataset.name,
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    features,
    labels: Int32Array.from(all, (i) => dataset.label(i)),
    ...(dataset.classNames === undefined ? {} : { classNames: dataset.classNames }),
  });
}

/** (x − offset) · scale on a batch [n, ...inputShape]; the caller owns the result. */
export function scaleTensor(x: tf.Tensor, scaling: FeatureScaling): tf.Tensor {
  const shape = x.shape.slice(1);
  checkWidth(scaling, shape.reduce((a, b) => a * b, 1), 'input batch');
  return tf.tidy(() => tf.mul(tf.sub(x, tf.tensor(scaling.offset as number[], shape)), tf.tensor(scaling.scale as number[], shape)));
}

/** Checks a scaling read from a file (a model folder's metadata). */
export function parseFeatureScaling(value: unknown, source: string): FeatureScaling {
  const s = value as Partial<FeatureScaling> | null;
  const numbers = (a: unknown) => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (
    typeof s !== 'object' ||
    s === null ||
    !SCALING_KINDS.includes(s.kind as ScalingKind) ||
    !numbers(s.offset) ||
    !numbers(s.scale) ||
    s.offset!.length !== s.scale!.length
  ) {
    throw new DistilleryError('E_MODEL_IO', `${source}: preprocessing must be { kind: ${SCALING_KINDS.join(' | ')}, offset: number[], scale: number[] } of equal lengths`);
  }
  return { kind: s.kind!, offset: s.offset!, scale: s.scale!, fittedOn: typeof s.fittedOn === 'number' ? s.fittedOn : 0 };
}
