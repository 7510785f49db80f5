import { DistilleryError, isDistilleryError } from '../errors.js';

/**
 * The default bound on a loss term's value: 10⁴ · ln(classes) (≈ 23,000 for 10 classes).
 *
 * Why this number: cross-entropy of a classifier at chance is ln(classes), and a badly
 * over-confident but still trainable student stays within tens of that; KD-style terms scaled by
 * T² at the usual temperatures (≤ 20) stay within a few hundred. A run whose term passes 10⁴
 * times the chance-level cross-entropy has left that regime: a learning rate of 100 on the
 * default MLP reaches ~4·10⁵ in its first epoch, one of 10⁶ ~4·10¹³, and both end at chance.
 * `TrainOptions.maxLoss` sets another bound (`Infinity` turns the check off).
 */
export function defaultMaxLoss(numClasses: number): number {
  return 1e4 * Math.log(Math.max(2, numClasses));
}

export interface DivergenceContext {
  readonly epoch: number;
  readonly step: number;
  readonly learningRate: number;
}

/**
 * The first term whose value is non-finite or past `maxLoss` → an E_DIVERGED error naming the
 * term, the epoch, the step and the learning rate. Never a data error: the data was checked.
 */
export function checkTermValues(
  names: readonly string[],
  values: ArrayLike<number>,
  maxLoss: number,
  at: DivergenceContext,
  scope: 'step' | 'epoch mean',
): void {
  for (let i = 0; i < names.length; i++) {
    const value = values[i]!;
    if (Number.isFinite(value) && value <= maxLoss) continue;
    const what = Number.isFinite(value) ? `${value.toExponential(2)}, past the divergence bound ${maxLoss.toExponential(2)}` : String(value);
    throw divergedError(names[i]!, `loss term ${names[i]} is ${what} (${scope})`, at);
  }
}

/**
 * A non-finite student output found by a loss's input check (E_DIVERGED from the check). Before
 * the first update it cannot be divergence: the inputs (or the initial weights) hold NaN or ±∞,
 * which is a data error. After updates it is the training that blew up.
 */
export function attributeNonFiniteStudent(error: unknown, at: DivergenceContext): unknown {
  if (!isDistilleryError(error) || error.code !== 'E_DIVERGED' || error.details?.['input'] !== 'student logits') return error;
  const term = String(error.details['loss'] ?? 'a loss');
  if (at.epoch === 0 && at.step === 0) {
    return new DistilleryError(
      'E_DATASET',
      `${error.message} before any training step: the input features (or the student's initial weights) hold NaN or ±∞`,
      { details: error.details },
    );
  }
  return divergedError(term, `${error.message}: the student's weights overflowed in the previous update`, at);
}

function divergedError(term: string, what: string, at: DivergenceContext): DistilleryError {
  return new DistilleryError(
    'E_DIVERGED',
    `training diverged at epoch ${at.epoch + 1}, step ${at.step + 1}: ${what}; learning rate ${at.learningRate} — try a lower learning rate (or check the ${term} loss)`,
    { details: { term, epoch: at.epoch, step: at.step, learningRate: at.learningRate } },
  );
}
