import type { Dataset } from './dataset.js';
import type { Model } from './model.js';

export interface EvaluationMetrics {
  /** Share of examples whose arg-max logit is the label, in [0, 1]. */
  readonly accuracy: number;
  /** Mean cross-entropy against the labels. */
  readonly loss: number;
  readonly count: number;
  /** Filled in by evaluateModel (see ClassificationMetrics); absent from older producers. */
  readonly macroF1?: number;
  readonly balancedAccuracy?: number;
  readonly expectedCalibrationError?: number;
  readonly eceBins?: number;
  readonly perClass?: readonly ClassScores[];
  readonly confusionMatrix?: readonly (readonly number[])[];
}

/** One class's scores. A class never predicted has precision 0 (scikit-learn's zero_division=0). */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Examples whose label is this class. */
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  /**
   * Mean F1 over the classes that occur among the labels or the predictions (scikit-learn's
   * `f1_score(average='macro')` without `labels=`): a class absent from the evaluation data and
   * never predicted does not count as a failure.
   */
  readonly macroF1: number;
  /** Mean recall over the classes that occur among the labels (scikit-learn's `balanced_accuracy_score`). */
  readonly balancedAccuracy: number;
  /** Σ_b (n_b / n) · |accuracy_b − mean confidence_b| over `eceBins` equal-width bins of the top softmax probability. */
  readonly expectedCalibrationError: number;
  readonly eceBins: number;
  /** Indexed by class. */
  readonly perClass: readonly ClassScores[];
  /** confusionMatrix[label][prediction]: rows are true classes, columns predicted ones. */
  readonly confusionMatrix: readonly (readonly number[])[];
  readonly count: number;
}

/** What evaluateModel returns: the loss and every classification metric. */
export type ModelEvaluation = EvaluationMetrics & ClassificationMetrics;

export interface Evaluator {
  evaluate(model: Model, dataset: Dataset): Promise<EvaluationMetrics>;
}
