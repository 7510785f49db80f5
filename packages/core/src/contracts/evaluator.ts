import type { Dataset } from './dataset.js';
import type { Model } from './model.js';

export interface EvaluationMetrics {
  /** Share of examples whose arg-max logit is the label, in [0, 1]. */
  readonly accuracy: number;
  /** Mean cross-entropy against the labels. */
  readonly loss: number;
  readonly count: number;
}

export interface Evaluator {
  evaluate(model: Model, dataset: Dataset): Promise<EvaluationMetrics>;
}
