import * as tf from '@tensorflow/tfjs';
import type { Batch, Dataset } from '../contracts/dataset.js';
import type { BatchStream } from '../data/batch-stream.js';
import { filledTensor } from '../data/filled-tensor.js';

/** One step's batches, as the trainer draws them. */
export interface StepBatches {
  readonly labelled?: Batch;
  readonly transfer?: Batch;
  /**
   * The labelled rows then the transfer rows in one tensor, when both were drawn that way: then
   * both batches' `x` is this tensor and the student's input is it, with no concat.
   */
  readonly joint?: tf.Tensor;
}

/**
 * Draws the step's batches. Where nothing transforms the inputs first (no augmentation, cached
 * teacher logits, examples of one shape), both sets' rows are copied into one tensor: the values
 * and order the concat of the two batches would give, copied once (on wasm straight into the
 * tensor's memory) instead of three times (two batches, their uploads and the concat).
 */
export function drawStepBatches(labelled: BatchStream | undefined, transfer: BatchStream | undefined, joinable: boolean): StepBatches {
  if (!joinable || labelled === undefined || transfer === undefined) return { ...(labelled ? { labelled: labelled.next() } : {}), ...(transfer ? { transfer: transfer.next() } : {}) };
  const labelledIndices = labelled.nextIndices();
  const transferIndices = transfer.nextIndices();
  const shape = labelled.dataset.inputShape;
  const split = labelledIndices.length * shape.reduce((a, b) => a * b, 1);
  const joint = filledTensor([labelledIndices.length + transferIndices.length, ...shape], (values) => {
    labelled.dataset.copyFeatures(labelledIndices, values.subarray(0, split));
    transfer.dataset.copyFeatures(transferIndices, values.subarray(split));
  });
  const labelsOf = (dataset: Dataset, indices: Int32Array) => tf.tensor1d(Int32Array.from(indices, (i) => dataset.label(i)), 'int32');
  return {
    labelled: { x: joint, y: labelsOf(labelled.dataset, labelledIndices), indices: labelledIndices },
    transfer: { x: joint, y: labelsOf(transfer.dataset, transferIndices), indices: transferIndices },
    joint,
  };
}

/** Whether two datasets' examples can share one input tensor (same example shape). */
export function sameExampleShape(a: Dataset, b: Dataset): boolean {
  return a.inputShape.length === b.inputShape.length && a.inputShape.every((d, i) => d === b.inputShape[i]);
}

export function disposeStepBatches(batches: StepBatches): void {
  // A joint draw shares x between its two batches: dispose each tensor once.
  tf.dispose([...new Set([batches.labelled?.x, batches.labelled?.y, batches.transfer?.x, batches.transfer?.y].filter((t): t is tf.Tensor => t !== undefined))]);
}
