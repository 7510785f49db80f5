import { definePlugin, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { klDivergenceRows, safeSqrt, temperedLogSoftmax } from './log-probabilities.js';
import { parseTemperatureOptions } from './loss-options.js';

export interface LsKdOptions {
  /** Base temperature τ > 0, applied to the standardised logits. Default 2 (the authors' CIFAR setting). */
  readonly temperature?: number;
}

export const lsKdDefaults = { temperature: 2 } as const;

export function parseLsKdOptions(input: unknown): Required<LsKdOptions> {
  return parseTemperatureOptions('ls-kd', input, lsKdDefaults);
}

/** Added to the standard deviation, as in the authors' code, so a constant row gives 0, not 0/0. */
const STD_EPSILON = 1e-7;

/** z ↦ (z − mean(z)) / (std(z) + 1e-7) per row, with the unbiased (n − 1) standard deviation. */
export function standardizeLogits(logits: tf.Tensor2D): tf.Tensor2D {
  const classes = logits.shape[1];
  const centred = tf.sub(logits, tf.mean(logits, 1, true));
  const variance = tf.div(tf.sum(tf.square(centred), 1, true), classes - 1);
  return tf.div(centred, tf.add(safeSqrt(variance), STD_EPSILON));
}

/**
 * `ls-kd`, logit-standardised KD (Sun et al., CVPR 2024): `kd` at base temperature τ on
 * Z-scored logits, τ² · KL(softmax(ẑ_t/τ) ‖ softmax(ẑ_s/τ)). The student matches the teacher's
 * logit relations, not their scale: the loss is unchanged under z ↦ a·z + b (a > 0) of either input.
 */
export function lsKdLoss(options: LsKdOptions = {}): Loss {
  const { temperature } = parseLsKdOptions(options);
  return checkedLoss({
    name: 'ls-kd',
    requires: ['teacherLogits'],
    minClasses: 2,
    compute({ studentLogits, teacherLogits }) {
      const logPTeacher = temperedLogSoftmax(standardizeLogits(teacherLogits!), temperature);
      const logPStudent = temperedLogSoftmax(standardizeLogits(studentLogits), temperature);
      return tf.mul(tf.mean(klDivergenceRows(logPTeacher, logPStudent)), temperature * temperature) as tf.Scalar;
    },
  });
}

export const lsKdPlugin = definePlugin({
  kind: 'loss',
  takesTemperature: true,
  name: 'ls-kd',
  description: 'logit-standardised KD: kd at base temperature τ on Z-scored logits',
  parseOptions: parseLsKdOptions,
  create: (options) => lsKdLoss(options),
});
