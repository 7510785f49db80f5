import type { Dataset } from '../contracts/dataset.js';
import { InMemoryDataset } from './in-memory-dataset.js';

/**
 * A dataset as plain data over shared memory: posting it to a worker shares the buffers
 * (SharedArrayBuffer), so a 60,000-image set is never copied per task or per worker.
 */
export interface SharedDataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly fingerprint: string;
}

const shared = new WeakMap<Dataset, SharedDataset>();

/** The shared form of a dataset; its values are copied into shared memory once, then reused. */
export function shareDataset(dataset: Dataset): SharedDataset {
  const cached = shared.get(dataset);
  if (cached !== undefined) return cached;
  const rowLength = dataset.inputShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(new SharedArrayBuffer(dataset.size * rowLength * 4));
  const labels = new Int32Array(new SharedArrayBuffer(dataset.size * 4));
  const all = Int32Array.from({ length: dataset.size }, (_, i) => i);
  dataset.copyFeatures(all, features);
  for (let i = 0; i < dataset.size; i++) labels[i] = dataset.label(i);
  const result: SharedDataset = {
    name: dataset.name,
    inputShape: [...dataset.inputShape],
    numClasses: dataset.numClasses,
    features,
    labels,
    fingerprint: dataset.fingerprint,
  };
  shared.set(dataset, result);
  return result;
}

/** The dataset view of a shared dataset (in a worker): no copy of the values. */
export function datasetFromShared(handle: SharedDataset): InMemoryDataset {
  return new InMemoryDataset({
    name: handle.name,
    inputShape: handle.inputShape,
    numClasses: handle.numClasses,
    features: handle.features,
    labels: handle.labels,
  });
}
