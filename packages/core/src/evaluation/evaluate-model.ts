import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../contracts/dataset.js';
import type { EvaluationMetrics, Evaluator, ModelEvaluation } from '../contracts/evaluator.js';
import type { Model } from '../contracts/model.js';
import type { TeacherLogits } from '../contracts/trainer.js';
import { DistilleryError } from '../errors.js';
import { classificationMetrics } from './classification-metrics.js';

/**
 * Loss, accuracy and the class-balance and calibration metrics (macro-F1, balanced accuracy,
 * per-class precision/recall, confusion matrix, ECE) of a model on a dataset, in inference mode.
 */
export async function evaluateModel(model: Model, dataset: Dataset, batchSize = 512): Promise<ModelEvaluation> {
  const logits = await predictLogits(model, dataset, batchSize);
  const labels = Int32Array.from({ length: dataset.size }, (_, i) => dataset.label(i));
  return { loss: meanCrossEntropy(logits.values, labels, model.numClasses), ...classificationMetrics({ logits: logits.values, labels, numClasses: model.numClasses }) };
}

/** Mean −log softmax(logits)[label], in float64 with the row max subtracted. */
function meanCrossEntropy(logits: Float32Array, labels: Int32Array, numClasses: number): number {
  let sum = 0;
  for (let r = 0; r < labels.length; r++) {
    const row = logits.subarray(r * numClasses, (r + 1) * numClasses);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let denominator = 0;
    for (const v of row) denominator += Math.exp(v - max);
    sum += Math.log(denominator) + max - row[labels[r]!]!;
  }
  return labels.length === 0 ? 0 : sum / labels.length;
}

export class AccuracyEvaluator implements Evaluator {
  constructor(private readonly batchSize = 512) {}
  evaluate(model: Model, dataset: Dataset): Promise<EvaluationMetrics> {
    return evaluateModel(model, dataset, this.batchSize);
  }
}

/** A model's raw logits for every example of a dataset, in dataset order. */
export async function predictLogits(
  model: Model,
  dataset: Dataset,
  batchSize = 512,
  onBatch?: (examples: number) => void,
): Promise<TeacherLogits> {
  checkCompatible(model, dataset);
  const values = new Float32Array(dataset.size * model.numClasses);
  let offset = 0;
  for (const batch of dataset.batches({ batchSize })) {
    const logits = model.forward(batch.x);
    values.set((await logits.data()) as Float32Array, offset);
    offset += logits.size;
    tf.dispose([logits, batch.x, batch.y]);
    onBatch?.(batch.indices.length);
  }
  return { size: dataset.size, numClasses: model.numClasses, values };
}

export function checkCompatible(model: Model, dataset: Dataset): void {
  const mismatch = shapeMismatch(model, dataset);
  if (mismatch !== undefined) throw new DistilleryError('E_SHAPE', `model ${model.name} ${mismatch}`);
}

/** What data a model must fit: a dataset, or just its example shape and class count. */
export type ExpectedShape = Pick<Dataset, 'inputShape' | 'numClasses'> & { readonly name?: string };

/** Why a model does not fit the data (`takes examples of shape … but …`), or undefined when it does. */
export function shapeMismatch(model: Model, expected: ExpectedShape): string | undefined {
  const data = expected.name === undefined ? 'the dataset' : `dataset ${expected.name}`;
  const a = model.inputShape;
  const b = expected.inputShape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) return `takes examples of shape [${a.join(', ')}] but ${data} has [${b.join(', ')}]`;
  if (model.numClasses !== expected.numClasses) return `predicts ${model.numClasses} classes but ${data} has ${expected.numClasses}`;
  return undefined;
}
