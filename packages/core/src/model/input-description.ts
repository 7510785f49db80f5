import type { Dataset } from '../contracts/dataset.js';
import { DistilleryError } from '../errors.js';

/**
 * What a trained model expects of its input, recorded from its training data and saved in its
 * metadata (model.json, and the ONNX export's metadata_props): whoever loads the model — in a
 * browser, in onnxruntime — can shape, scale and label their data without the run folder.
 */
export interface ModelInputDescription {
  /** One example's shape, without the batch axis. */
  readonly shape: readonly number[];
  /** `nhwc`: images, batch first and channels last (height, width, channels); `features`: flat rows; `other`: any other rank. */
  readonly layout: 'nhwc' | 'features' | 'other';
  /** The smallest and largest value in the training features (before any scaling inside the model). */
  readonly range: readonly [number, number];
  /** A name per class, in logit order, when the dataset has them. */
  readonly classNames?: readonly string[];
  /** The training dataset's name. */
  readonly dataset: string;
}

const CHUNK_ROWS = 1024;

/** The description of a dataset's inputs: shape, layout, value range (one pass, in chunks) and class names. */
export function describeInput(dataset: Dataset): ModelInputDescription {
  const rowLength = dataset.inputShape.reduce((a, b) => a * b, 1);
  let min = Infinity;
  let max = -Infinity;
  const buffer = new Float32Array(Math.min(CHUNK_ROWS, dataset.size) * rowLength);
  for (let start = 0; start < dataset.size; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, dataset.size - start);
    const view = buffer.subarray(0, rows * rowLength);
    dataset.copyFeatures(Array.from({ length: rows }, (_, i) => start + i), view);
    for (const v of view) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const rank = dataset.inputShape.length;
  return {
    shape: [...dataset.inputShape],
    layout: rank === 3 ? 'nhwc' : rank === 1 ? 'features' : 'other',
    range: dataset.size === 0 ? [0, 0] : [min, max],
    ...(dataset.classNames === undefined ? {} : { classNames: [...dataset.classNames] }),
    dataset: dataset.name,
  };
}

/** Reads a description back from a model's metadata, naming the file when it is malformed. */
export function parseInputDescription(value: unknown, where: string): ModelInputDescription {
  const bad = (what: string) => new DistilleryError('E_MODEL_IO', `${where}: input.${what}`);
  if (typeof value !== 'object' || value === null) throw bad('expected an object');
  const v = value as Record<string, unknown>;
  const numbers = (x: unknown) => Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!numbers(v['shape'])) throw bad(`shape: expected an array of numbers, got ${JSON.stringify(v['shape'])}`);
  if (!['nhwc', 'features', 'other'].includes(v['layout'] as string)) throw bad(`layout: expected nhwc, features or other, got ${JSON.stringify(v['layout'])}`);
  if (!numbers(v['range']) || (v['range'] as number[]).length !== 2) throw bad(`range: expected [min, max], got ${JSON.stringify(v['range'])}`);
  if (v['classNames'] !== undefined && !(Array.isArray(v['classNames']) && v['classNames'].every((n) => typeof n === 'string'))) {
    throw bad(`classNames: expected an array of strings, got ${JSON.stringify(v['classNames'])}`);
  }
  if (typeof v['dataset'] !== 'string') throw bad(`dataset: expected a string, got ${JSON.stringify(v['dataset'])}`);
  const range = v['range'] as [number, number];
  return {
    shape: v['shape'] as number[],
    layout: v['layout'] as ModelInputDescription['layout'],
    range: [range[0], range[1]],
    ...(v['classNames'] === undefined ? {} : { classNames: v['classNames'] as string[] }),
    dataset: v['dataset'],
  };
}
