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
  /**
   * A feature term's student feature [batch, ...]: the output of its student layer (through
   * the term's adapter when it has one). Only given to losses that require `features`.
   */
  readonly studentFeature?: tf.Tensor;
  /** A feature term's teacher feature [batch, ...]: its teacher layer's output, in inference mode. */
  readonly teacherFeature?: tf.Tensor;
  /** 0-based epoch, for losses with their own schedule. */
  readonly epoch: number;
}

/** `features`: a feature loss (hint, at, rkd), computed on the transfer set from a student and a teacher layer. */
export type LossRequirement = 'labels' | 'teacherLogits' | 'features';

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

/**
 * Which student layer a feature term matches to which teacher layer (names from `listFeatures`),
 * and the trainable adapter that maps the student's feature to the teacher's shape first:
 * `dense` (flattened student feature → teacher feature, any shapes) or `conv1x1` (channels of a
 * [h, w, c] map, same spatial size). The trainer owns the adapter: trained with the student,
 * never part of it, so it is never saved or exported.
 */
export interface FeatureLink {
  readonly student: string;
  readonly teacher: string;
  readonly adapter?: FeatureAdapterKind;
}

export type FeatureAdapterKind = 'dense' | 'conv1x1';

/** One weighted term of the training objective, and which data it is computed on. */
export interface ObjectiveTerm {
  readonly name: string;
  readonly loss: Loss;
  readonly weight: TermWeight;
  /** `labelled`: batches of the labelled set; `transfer`: batches of the transfer set. */
  readonly data: 'labelled' | 'transfer';
  /** For a loss that requires `features`: the layers it matches (on transfer data, with an online teacher). */
  readonly features?: FeatureLink;
}

export interface Objective {
  readonly terms: readonly ObjectiveTerm[];
}

export function termWeightAt(weight: TermWeight, epoch: number): number {
  return typeof weight === 'number' ? weight : weight(epoch);
}
