import type * as tf from '@tensorflow/tfjs';

export interface LossInputs {
  /** [batch, classes] */
  readonly studentLogits: tf.Tensor2D;
  /** Class indices [batch], int32: present for terms on labelled data. */
  readonly labels?: tf.Tensor1D;
  /**
   * Class distributions [batch, classes] that replace `labels` when the augmentation mixed
   * examples (mixup): rows are convex combinations of one-hot labels. Only given to losses with
   * `acceptsTargets`; `labels` then still hold each row's own (un-mixed) label.
   */
  readonly targets?: tf.Tensor2D;
  /** Raw teacher logits [batch, classes]: present for terms on transfer data. */
  readonly teacherLogits?: tf.Tensor2D;
  /** 0-based epoch, for losses with their own schedule. */
  readonly epoch: number;
}

export type LossRequirement = 'labels' | 'teacherLogits';

/** A differentiable loss. `compute` runs inside the trainer's tidy and gradient scope. */
export interface Loss {
  readonly name: string;
  readonly requires: readonly LossRequirement[];
  /**
   * True when `compute` uses `inputs.targets` in place of `labels` when they are given. The
   * trainer refuses a label-mixing augmentation with a labelled term whose loss lacks it, rather
   * than silently training on the un-mixed labels.
   */
  readonly acceptsTargets?: boolean;
  compute(inputs: LossInputs): tf.Scalar;
}

/** A weight that may change with the epoch (e.g. a linear warm-up). */
export type TermWeight = number | ((epoch: number) => number);

/** One weighted term of the training objective, and which data it is computed on. */
export interface ObjectiveTerm {
  readonly name: string;
  readonly loss: Loss;
  readonly weight: TermWeight;
  /** `labelled`: batches of the labelled set; `transfer`: batches of the transfer set. */
  readonly data: 'labelled' | 'transfer';
}

export interface Objective {
  readonly terms: readonly ObjectiveTerm[];
}

export function termWeightAt(weight: TermWeight, epoch: number): number {
  return typeof weight === 'number' ? weight : weight(epoch);
}
