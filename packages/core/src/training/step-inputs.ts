import * as tf from '@tensorflow/tfjs';
import type { Augmentation, AugmentationContext } from '../contracts/augmentation.js';
import type { Batch } from '../contracts/dataset.js';
import type { TeacherLogits, TransferData } from '../contracts/trainer.js';
import { selectLogitRows } from '../data/select-logit-rows.js';

/** What the labelled terms of one step see. */
export interface LabelledInputs {
  readonly x: tf.Tensor;
  readonly labels: tf.Tensor1D;
  /** Mixed class distributions, when the augmentation mixes labels (mixup). */
  readonly targets?: tf.Tensor2D;
}

/** What the transfer terms of one step see. */
export interface TransferInputs {
  readonly x: tf.Tensor;
  readonly teacherLogits: tf.Tensor2D;
  /** The online teacher's outputs of the layers feature terms match, by layer name. */
  readonly teacherFeatures?: Readonly<Record<string, tf.Tensor>>;
}

/** The labelled batch, augmented; its labels mixed with it when the augmentation mixes examples. */
export function labelledInputs(
  batch: Batch,
  augmentation: Augmentation | undefined,
  context: AugmentationContext,
  numClasses: number,
): LabelledInputs {
  if (augmentation === undefined) return { x: batch.x, labels: batch.y };
  if (augmentation.applyToBatch === undefined) return { x: augmentation.apply(batch.x, context), labels: batch.y };
  // Cast an int32 one-hot: tfjs-backend-wasm 4.22's OneHot writes int32 bits into a float32
  // tensor when asked for float32 (1 reads as 1.4e-45).
  const targets = tf.cast(tf.oneHot(batch.y, numClasses), 'float32') as tf.Tensor2D;
  const mixed = augmentation.applyToBatch({ x: batch.x, targets }, context);
  return { x: mixed.x, labels: batch.y, targets: mixed.targets };
}

/**
 * The transfer batch and the teacher's logits for it. With an online teacher the batch is
 * augmented first and the teacher runs on exactly that input, in inference mode. It must run
 * outside the student's `variableGrads`: ops outside it are not on the gradient tape, so no
 * gradient can reach the teacher (and its variables are not in the list the optimiser updates).
 * Feature terms' teacher layers come from that same pass.
 */
export function transferInputs(
  batch: Batch,
  source: TransferData,
  augmentation: Augmentation | undefined,
  context: AugmentationContext,
  teacherLayers: readonly string[] = [],
): TransferInputs {
  if ('teacherLogits' in source) return { x: batch.x, teacherLogits: logitsTensor(selectLogitRows(source.teacherLogits, batch.indices)) };
  const x = augmentation === undefined ? batch.x : augmentation.apply(batch.x, context);
  if (teacherLayers.length === 0) return { x, teacherLogits: source.teacher.forward(x, { training: false }) };
  const { logits, features } = source.teacher.forwardWithFeatures!(x, teacherLayers, { training: false });
  return { x, teacherLogits: logits, teacherFeatures: features };
}

function logitsTensor(logits: TeacherLogits): tf.Tensor2D {
  return tf.tensor2d(logits.values, [logits.size, logits.numClasses]);
}
