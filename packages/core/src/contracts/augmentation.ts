import type * as tf from '@tensorflow/tfjs';

export interface AugmentationContext {
  /** Derived from the run seed, the epoch and the batch: same inputs, same augmentation. */
  readonly seed: number;
  readonly epoch: number;
  readonly batch: number;
}

/** A per-batch input transform. Runs inside tf.tidy and must keep the input's shape. */
export interface Augmentation {
  readonly name: string;
  apply(x: tf.Tensor, context: AugmentationContext): tf.Tensor;
}
