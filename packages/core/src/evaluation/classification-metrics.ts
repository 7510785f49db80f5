import type { ClassificationMetrics, ClassScores } from '../contracts/evaluator.js';
import { DistilleryError } from '../errors.js';

/**
 * Bins of the expected calibration error: 15 equal-width confidence bins, as in Guo et al.
 * (2017, "On calibration of modern neural networks"), the number most papers report.
 */
export const ECE_BINS = 15;

export interface ClassificationInput {
  /** count × numClasses raw logits, row-major. */
  readonly logits: ArrayLike<number>;
  /** One class index per example. */
  readonly labels: ArrayLike<number>;
  readonly numClasses: number;
  /** Default ECE_BINS. */
  readonly eceBins?: number;
}

/** Arg-max of each row (the first index on ties, as tf.argMax and numpy.argmax do). */
export function argMaxRows(logits: ArrayLike<number>, numClasses: number): Int32Array {
  const count = logits.length / numClasses;
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[r * numClasses + c]! > logits[r * numClasses + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Counts of (label, prediction) pairs: matrix[label][prediction]. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predictions.length) {
    throw new DistilleryError('E_SHAPE', `confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const prediction = predictions[i]!;
    if (!(label >= 0 && label < numClasses && prediction >= 0 && prediction < numClasses)) {
      throw new DistilleryError('E_DATASET', `confusionMatrix: example ${i} has label ${label} / prediction ${prediction}, outside [0, ${numClasses})`);
    }
    matrix[label]![prediction]! += 1;
  }
  return matrix;
}

/** Precision, recall, F1 and support of each class, from a confusion matrix. */
export function classScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  return matrix.map((row, c) => {
    const truePositives = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((sum, r) => sum + r[c]!, 0);
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
}

/**
 * Expected calibration error of softmax(logits): examples are binned by their top probability
 * into `bins` equal-width bins (lo, hi] of [0, 1]; each bin adds its share of examples times
 * |its accuracy − its mean top probability|.
 */
export function expectedCalibrationError(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = ECE_BINS): number {
  if (!Number.isInteger(bins) || bins < 1) throw new DistilleryError('E_CONFIG', `eceBins: expected a positive integer, got ${bins}`);
  const count = labels.length;
  if (count === 0) return 0;
  const hits = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  const members = new Float64Array(bins);
  for (let r = 0; r < count; r++) {
    const { top, arg } = topProbability(logits, r, numClasses);
    // (lo, hi]: ceil(p·bins) − 1; p is ≥ 1/numClasses > 0, and p = 1 lands in the last bin.
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(top * bins) - 1));
    members[bin]! += 1;
    confidence[bin]! += top;
    if (arg === labels[r]) hits[bin]! += 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (members[b]! > 0) ece += Math.abs(hits[b]! - confidence[b]!) / count;
  return ece;
}

/** The largest softmax probability of row r and its class, computed stably (max subtracted). */
function topProbability(logits: ArrayLike<number>, r: number, numClasses: number): { top: number; arg: number } {
  let arg = 0;
  for (let c = 1; c < numClasses; c++) if (logits[r * numClasses + c]! > logits[r * numClasses + arg]!) arg = c;
  const max = logits[r * numClasses + arg]!;
  let denominator = 0;
  for (let c = 0; c < numClasses; c++) denominator += Math.exp(logits[r * numClasses + c]! - max);
  return { top: 1 / denominator, arg };
}

/** Every metric of a classifier's logits against the labels. */
export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const { logits, labels, numClasses } = input;
  const eceBins = input.eceBins ?? ECE_BINS;
  if (logits.length !== labels.length * numClasses) {
    throw new DistilleryError(
      'E_SHAPE',
      `classificationMetrics: ${labels.length} labels × ${numClasses} classes need ${labels.length * numClasses} logits, got ${logits.length}`,
    );
  }
  const predictions = argMaxRows(logits, numClasses);
  const matrix = confusionMatrix(labels, predictions, numClasses);
  const perClass = classScores(matrix);
  const count = labels.length;
  const correct = matrix.reduce((sum, row, c) => sum + row[c]!, 0);
  const present = perClass.map((s, c) => s.support > 0 || matrix.some((row) => row[c]! > 0));
  return {
    accuracy: count === 0 ? 0 : correct / count,
    macroF1: mean(perClass.filter((_, c) => present[c]).map((s) => s.f1)),
    balancedAccuracy: mean(perClass.filter((s) => s.support > 0).map((s) => s.recall)),
    expectedCalibrationError: expectedCalibrationError(logits, labels, numClasses, eceBins),
    eceBins,
    perClass,
    confusionMatrix: matrix,
    count,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
