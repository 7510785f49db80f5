import { definePlugin, fusedKd, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { klDivergenceRows, temperedLogSoftmax } from './log-probabilities.js';
import { parseTemperatureOptions } from './loss-options.js';

export interface KdOptions {
  /** T > 0: both logit sets are divided by T before the softmax. Default 4. */
  readonly temperature?: number;
}

export const kdDefaults = { temperature: 4 } as const;

export function parseKdOptions(input: unknown): Required<KdOptions> {
  return parseTemperatureOptions('kd', input, kdDefaults);
}

/**
 * `kd` (Hinton, Vinyals & Dean 2015): T² · KL(softmax(t/T) ‖ softmax(s/T)), the per-example
 * sum over classes averaged over the batch. T² keeps the gradient's scale independent of T.
 * Both distributions come from log-softmax, so logits of magnitude 1e3 stay finite.
 */
export function kdLoss(options: KdOptions = {}): Loss {
  const { temperature } = parseKdOptions(options);
  return checkedLoss({
    name: 'kd',
    requires: ['teacherLogits'],
    compute({ studentLogits, teacherLogits }) {
      // One fused kernel (and one for each gradient) where the native kernels are installed.
      const fused = fusedKd(studentLogits, teacherLogits!, temperature);
      if (fused !== undefined) return fused;
      const kl = klDivergenceRows(temperedLogSoftmax(teacherLogits!, temperature), temperedLogSoftmax(studentLogits, temperature));
      return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
    },
  });
}

export const kdPlugin = definePlugin({
  kind: 'loss',
  takesTemperature: true,
  name: 'kd',
  description: 'Hinton KD: T²·KL(softmax(t/T) ‖ softmax(s/T))',
  parseOptions: parseKdOptions,
  create: (options) => kdLoss(options),
});
