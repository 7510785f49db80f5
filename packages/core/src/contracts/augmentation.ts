import type * as tf from '@tensorflow/tfjs';

export interface AugmentationContext {
  /** Derived from the run seed, the epoch and the batch: same inputs, same augmentation. */
  readonly seed: number;
  readonly epoch: number;
  readonly batch: number;
}

/** Inputs with their targets as class distributions [n, classes] (one-hot rows for hard labels). */
export interface TargetBatch {
  readonly x: tf.Tensor;
  readonly targets: tf.Tensor2D;
}

/** A per-batch input transform. Runs inside tf.tidy and must keep the input's shape. */
export interface Augmentation {
  readonly name: string;
  apply(x: tf.Tensor, context: AugmentationContext): tf.Tensor;
  /**
   * Only for augmentations that mix examples (mixup): transforms the inputs and their targets
   * together, with the same draw as `apply` for the same context. When present, the trainer
   * uses it on labelled batches, and labelled terms receive the mixed `targets` (see
   * `LossInputs.targets`); transfer batches still go through `apply`, since their soft labels
   * come from the teacher.
   */
  applyToBatch?(batch: TargetBatch, context: AugmentationContext): TargetBatch;
}
