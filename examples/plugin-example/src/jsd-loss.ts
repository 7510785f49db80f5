import { definePlugin, tf, type Loss } from '@distillery/core';
import { z } from 'zod';

/** Options, declared once: the schema validates config files and gives TypeScript the type. */
export const jsdOptions = z.object({
  temperature: z.number().positive().default(4),
});
export type JsdOptions = z.input<typeof jsdOptions>;

/**
 * `jsd`: T² · JS(q_t ‖ q_s), the Jensen–Shannon divergence between the softened teacher and
 * student distributions — symmetric and bounded by log 2, unlike KL. Computed from
 * log-probabilities: log m = logaddexp(log q_t, log q_s) − log 2.
 */
export function jsdLoss(temperature: number): Loss {
  return {
    name: 'jsd',
    requires: ['teacherLogits'],
    compute: ({ studentLogits, teacherLogits }) =>
      tf.tidy(() => {
        const logT = tf.logSoftmax(tf.div(teacherLogits!, temperature));
        const logS = tf.logSoftmax(tf.div(studentLogits, temperature));
        const logM = tf.sub(tf.logSumExp(tf.stack([logT, logS]), 0), Math.log(2));
        const kl = (logP: tf.Tensor) => tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logM)), 1);
        const js = tf.mul(tf.add(kl(logT), kl(logS)), 0.5);
        return tf.mul(tf.mean(js), temperature * temperature) as tf.Scalar;
      }),
  };
}

export const jsdPlugin = definePlugin({
  kind: 'loss',
  name: 'jsd',
  // The objective's temperature reaches it (a sweep over T varies it) unless its options set one.
  takesTemperature: true,
  description: 'Jensen–Shannon distillation loss, T²-scaled',
  options: jsdOptions,
  create: (options) => jsdLoss(options.temperature),
});
