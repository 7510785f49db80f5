import { definePlugin, tf, termWeightAt, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { MASKED_LOGIT, klDivergenceRows, temperedLogSoftmax } from './log-probabilities.js';
import { nonNegativeInteger, nonNegativeNumber, oneOf, positiveNumber, readLossOptions } from './loss-options.js';
import { linearWarmup } from './weight-schedules.js';

export interface DkdOptions {
  /** Weight of TCKD (target vs. non-target). Default 1. */
  readonly alpha?: number;
  /** Weight of NCKD (among the non-target classes). Default 8. */
  readonly beta?: number;
  /** T > 0. Default 4. */
  readonly temperature?: number;
  /** The loss rises linearly over this many epochs (0: from the start). Default 20. */
  readonly warmupEpochs?: number;
  /**
   * Which class is the "target": `teacher`, the teacher's top class (default: a transfer set has
   * no labels), or `labels`, the true label as in the paper (the term then needs labels too).
   */
  readonly target?: 'teacher' | 'labels';
}

export const dkdDefaults = { alpha: 1, beta: 8, temperature: 4, warmupEpochs: 20, target: 'teacher' } as const;

export function parseDkdOptions(input: unknown): Required<DkdOptions> {
  const options = readLossOptions('dkd', input, dkdDefaults);
  return {
    alpha: nonNegativeNumber('dkd.alpha', options.alpha),
    beta: nonNegativeNumber('dkd.beta', options.beta),
    temperature: positiveNumber('dkd.temperature', options.temperature),
    warmupEpochs: nonNegativeInteger('dkd.warmupEpochs', options.warmupEpochs),
    target: oneOf('dkd.target', options.target, ['teacher', 'labels'] as const),
  };
}

/**
 * Per-example TCKD and NCKD, without the T² factor: KL of the two-bin (target, rest)
 * distributions, and KL of the distributions renormalised over the non-target classes.
 * KL(p_t ‖ p_s) = TCKD + (1 − p_t(target)) · NCKD exactly (Zhao et al. 2022, eq. 4).
 * `targetMask` is one-hot [batch, classes], float.
 */
export function decoupledKdTerms(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  targetMask: tf.Tensor2D,
  temperature: number,
): { tckd: tf.Tensor1D; nckd: tf.Tensor1D } {
  const masked = tf.mul(targetMask, MASKED_LOGIT);
  // Two bins in log space: log p(target) and log p(rest) = logsumexp over the non-target classes,
  // never log(1 − p(target)), which is log 0 when p(target) rounds to 1.
  const twoBins = (logits: tf.Tensor2D) => {
    const logP = temperedLogSoftmax(logits, temperature);
    return tf.stack([tf.sum(tf.mul(logP, targetMask), 1), tf.logSumExp(tf.add(logP, masked), 1)], 1) as tf.Tensor2D;
  };
  // The target class pushed to MASKED_LOGIT drops out of the softmax: exact, unlike mdistiller's
  // "− 1000", which does not mask logits of magnitude 1e3.
  const nonTarget = (logits: tf.Tensor2D) => tf.logSoftmax(tf.add(tf.div(logits, temperature), masked)) as tf.Tensor2D;
  return {
    tckd: klDivergenceRows(twoBins(teacherLogits), twoBins(studentLogits)),
    nckd: klDivergenceRows(nonTarget(teacherLogits), nonTarget(studentLogits)),
  };
}

/**
 * `dkd`, decoupled KD (Zhao et al., CVPR 2022): T² · (α · TCKD + β · NCKD), batch mean, times a
 * linear warm-up min((epoch + 1) / W, 1) as in the authors' code.
 */
export function dkdLoss(options: DkdOptions = {}): Loss {
  const { alpha, beta, temperature, warmupEpochs, target } = parseDkdOptions(options);
  const warmup = warmupEpochs === 0 ? 1 : linearWarmup(1, warmupEpochs);
  return checkedLoss({
    name: 'dkd',
    requires: target === 'labels' ? ['teacherLogits', 'labels'] : ['teacherLogits'],
    minClasses: 2,
    compute({ studentLogits, teacherLogits, labels, epoch }) {
      const classes = studentLogits.shape[1];
      const targetMask = tf.oneHot(target === 'labels' ? labels! : tf.argMax(teacherLogits!, 1), classes).toFloat() as tf.Tensor2D;
      const { tckd, nckd } = decoupledKdTerms(studentLogits, teacherLogits!, targetMask, temperature);
      const perExample = tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta));
      return tf.mul(tf.mean(perExample), temperature * temperature * termWeightAt(warmup, epoch)) as tf.Scalar;
    },
  });
}

export const dkdPlugin = definePlugin({
  kind: 'loss',
  takesTemperature: true,
  name: 'dkd',
  description: 'decoupled KD: T²·(α·TCKD + β·NCKD) with a linear warm-up',
  parseOptions: parseDkdOptions,
  create: (options) => dkdLoss(options),
});
