import type * as tf from '@tensorflow/tfjs';

export interface Batch {
  /** Features [n, ...inputShape], float32. */
  readonly x: tf.Tensor;
  /** Class indices [n], int32. */
  readonly y: tf.Tensor1D;
  /** Which examples of the dataset these are: used to look up cached teacher logits. */
  readonly indices: Int32Array;
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle with this seed (≥ 1); omit for dataset order. */
  readonly shuffleSeed?: number;
}

/** A labelled classification dataset held in memory. */
export interface Dataset {
  readonly name: string;
  /** Shape of one example, without the batch axis. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** A name per class (e.g. a CSV's label values, an image folder's subfolders), when the source has them. */
  readonly classNames?: readonly string[];
  readonly size: number;
  /** Stable hash of features, labels and shape: keys caches. */
  readonly fingerprint: string;
  label(index: number): number;
  /** Copies the features of `indices`, in order, into `out` (row-major). */
  copyFeatures(indices: ArrayLike<number>, out: Float32Array): void;
  /** A dataset of the given examples, in the given order. */
  subset(indices: ArrayLike<number>, name?: string): Dataset;
  /** Batches over the whole dataset; each batch's tensors belong to the caller. */
  batches(options: BatchOptions): IterableIterator<Batch>;
}

/** The low-data split: a few labelled examples, a transfer set for the teacher's soft labels. */
export interface DatasetSplit {
  readonly labelled: Dataset;
  /** The examples the student learns the teacher's outputs on (their labels are not used). */
  readonly transfer: Dataset;
  /** Held out from both, for early stopping and model selection. */
  readonly validation?: Dataset;
}

/**
 * Where a dataset comes from: what a dataset plugin creates. Loading may read files, so it is
 * asynchronous; `train` and `test` are the source's own fixed splits.
 */
export interface DatasetSource {
  readonly name: string;
  load(split: 'train' | 'test'): Promise<Dataset>;
}
