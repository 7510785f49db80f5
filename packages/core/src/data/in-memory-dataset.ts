import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchOptions, Dataset } from '../contracts/dataset.js';
import { DistilleryError } from '../errors.js';
import { shuffledIndices } from '../random.js';
import { assertPositiveInteger, assertSeed } from '../validate.js';
import { fingerprint } from './fingerprint.js';
import { filledTensor } from './filled-tensor.js';

export interface InMemoryDatasetInit {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** size × prod(inputShape) values, row-major. */
  readonly features: Float32Array;
  /** One class index in [0, numClasses) per example. */
  readonly labels: Int32Array;
  /** One name per class, when the source has them. */
  readonly classNames?: readonly string[];
}

/**
 * The Dataset every reader produces: features and labels in typed arrays. A subset is a view
 * (an index map over the same arrays), so splits cost no copies of the features.
 */
export class InMemoryDataset implements Dataset {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  readonly size: number;
  private readonly features: Float32Array;
  private readonly labels: Int32Array;
  private readonly rows: Int32Array | undefined;
  private readonly rowLength: number;
  private cachedFingerprint: string | undefined;

  constructor(init: InMemoryDatasetInit, rows?: Int32Array) {
    // A subset is a view of arrays its parent already validated: checking every label again
    // per subset (one per shard, per trial) would be O(whole dataset) each time.
    if (rows === undefined) validateInit(init);
    this.name = init.name;
    this.inputShape = [...init.inputShape];
    this.numClasses = init.numClasses;
    if (init.classNames !== undefined) this.classNames = init.classNames;
    this.features = init.features;
    this.labels = init.labels;
    this.rowLength = init.inputShape.reduce((a, b) => a * b, 1);
    this.rows = rows;
    this.size = rows === undefined ? init.labels.length : rows.length;
  }

  get fingerprint(): string {
    this.cachedFingerprint ??= this.computeFingerprint();
    return this.cachedFingerprint;
  }

  label(index: number): number {
    return this.labels[this.row(index)]!;
  }

  copyFeatures(indices: ArrayLike<number>, out: Float32Array): void {
    const n = this.rowLength;
    if (out.length < indices.length * n) {
      throw new DistilleryError('E_SHAPE', `copyFeatures: output holds ${out.length} values, needs ${indices.length * n}`);
    }
    for (let i = 0; i < indices.length; i++) {
      const start = this.row(indices[i]!) * n;
      out.set(this.features.subarray(start, start + n), i * n);
    }
  }

  subset(indices: ArrayLike<number>, name = `${this.name}[subset]`): InMemoryDataset {
    const rows = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) rows[i] = this.row(indices[i]!);
    return new InMemoryDataset(this.init(name), rows);
  }

  *batches(options: BatchOptions): IterableIterator<Batch> {
    assertPositiveInteger('batchSize', options.batchSize);
    if (options.shuffleSeed !== undefined) assertSeed('shuffleSeed', options.shuffleSeed);
    const order = options.shuffleSeed === undefined ? undefined : shuffledIndices(this.size, options.shuffleSeed);
    for (let start = 0; start < this.size; start += options.batchSize) {
      const end = Math.min(this.size, start + options.batchSize);
      const indices = new Int32Array(end - start);
      for (let i = 0; i < indices.length; i++) indices[i] = order === undefined ? start + i : order[start + i]!;
      yield this.batchOf(indices);
    }
  }

  /** Tensors for the given examples; the caller disposes them. */
  batchOf(indices: Int32Array): Batch {
    const y = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) y[i] = this.label(indices[i]!);
    return {
      x: filledTensor([indices.length, ...this.inputShape], (x) => this.copyFeatures(indices, x)),
      y: tf.tensor1d(y, 'int32'),
      indices,
    };
  }

  private row(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new DistilleryError('E_DATASET', `${this.name}: example index ${index} is outside [0, ${this.size})`);
    }
    return this.rows === undefined ? index : this.rows[index]!;
  }

  private init(name: string): InMemoryDatasetInit {
    return {
      name,
      inputShape: this.inputShape,
      numClasses: this.numClasses,
      features: this.features,
      labels: this.labels,
      ...(this.classNames === undefined ? {} : { classNames: this.classNames }),
    };
  }

  private computeFingerprint(): string {
    const x = new Float32Array(this.size * this.rowLength);
    this.copyFeatures(Int32Array.from({ length: this.size }, (_, i) => i), x);
    const y = Int32Array.from({ length: this.size }, (_, i) => this.label(i));
    return fingerprint(JSON.stringify({ shape: this.inputShape, classes: this.numClasses }), x, y);
  }
}

function validateInit(init: InMemoryDatasetInit): void {
  const where = `dataset ${JSON.stringify(init.name)}`;
  if (init.inputShape.length === 0 || !init.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new DistilleryError('E_DATASET', `${where}: inputShape must be positive integers, got [${init.inputShape.join(', ')}]`);
  }
  if (!Number.isInteger(init.numClasses) || init.numClasses < 2) {
    throw new DistilleryError('E_DATASET', `${where}: numClasses must be an integer ≥ 2, got ${init.numClasses}`);
  }
  const rowLength = init.inputShape.reduce((a, b) => a * b, 1);
  if (init.features.length !== init.labels.length * rowLength) {
    throw new DistilleryError(
      'E_DATASET',
      `${where}: ${init.labels.length} labels need ${init.labels.length * rowLength} feature values ` +
        `(${init.labels.length} × ${rowLength}), got ${init.features.length}`,
    );
  }
  if (init.classNames !== undefined && init.classNames.length !== init.numClasses) {
    throw new DistilleryError('E_DATASET', `${where}: ${init.classNames.length} class names for ${init.numClasses} classes`);
  }
  for (let i = 0; i < init.labels.length; i++) {
    const label = init.labels[i]!;
    if (label < 0 || label >= init.numClasses) {
      throw new DistilleryError('E_DATASET', `${where}: label of example ${i} is ${label}, outside [0, ${init.numClasses})`);
    }
  }
}
