import type { EvaluationMetrics } from '../contracts/evaluator.js';
import { configError } from '../errors.js';

/** What a sweep (and a trial's best epoch) can be selected on, as named in configs. */
export type SelectionMetric = 'accuracy' | 'macro-f1' | 'balanced-accuracy' | 'ece';
export const SELECTION_METRICS: readonly SelectionMetric[] = ['accuracy', 'macro-f1', 'balanced-accuracy', 'ece'];

/** The headline metrics of one evaluation, as plain data small enough for every epoch record. */
export interface EpochScores {
  readonly accuracy: number;
  readonly macroF1?: number;
  readonly balancedAccuracy?: number;
  readonly expectedCalibrationError?: number;
}

export function epochScores(metrics: EvaluationMetrics): EpochScores {
  return {
    accuracy: metrics.accuracy,
    ...(metrics.macroF1 === undefined ? {} : { macroF1: metrics.macroF1 }),
    ...(metrics.balancedAccuracy === undefined ? {} : { balancedAccuracy: metrics.balancedAccuracy }),
    ...(metrics.expectedCalibrationError === undefined ? {} : { expectedCalibrationError: metrics.expectedCalibrationError }),
  };
}

/** The metric's value (undefined when the scores lack it, e.g. records of an older version). */
export function metricValue(scores: EpochScores, metric: SelectionMetric): number | undefined {
  switch (metric) {
    case 'accuracy':
      return scores.accuracy;
    case 'macro-f1':
      return scores.macroF1;
    case 'balanced-accuracy':
      return scores.balancedAccuracy;
    case 'ece':
      return scores.expectedCalibrationError;
    default:
      throw configError('selectOn', `one of ${SELECTION_METRICS.join(', ')}`, metric);
  }
}

/** Higher is better: the value itself, negated for ECE (a calibration error). */
export function selectionScore(scores: EpochScores, metric: SelectionMetric): number | undefined {
  const value = metricValue(scores, metric);
  return value === undefined ? undefined : metric === 'ece' ? -value : value;
}
