import { definePlugin, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { temperedLogSoftmax } from './log-probabilities.js';
import { parseTemperatureOptions } from './loss-options.js';

export interface SoftCrossEntropyOptions {
  /** T > 0. Default 4. */
  readonly temperature?: number;
}

export const softCrossEntropyDefaults = { temperature: 4 } as const;

export function parseSoftCrossEntropyOptions(input: unknown): Required<SoftCrossEntropyOptions> {
  return parseTemperatureOptions('soft-ce', input, softCrossEntropyDefaults);
}

/**
 * `soft-ce`: T² · H(softmax(t/T), softmax(s/T)) = T² · −Σ_k q_t,k log q_s,k, batch mean. It is
 * `kd` plus T² times the teacher's entropy: the same gradient, but a value that does not reach 0
 * (the form many training scripts log).
 */
export function softCrossEntropyLoss(options: SoftCrossEntropyOptions = {}): Loss {
  const { temperature } = parseSoftCrossEntropyOptions(options);
  return checkedLoss({
    name: 'soft-ce',
    requires: ['teacherLogits'],
    compute({ studentLogits, teacherLogits }) {
      const pTeacher = tf.exp(temperedLogSoftmax(teacherLogits!, temperature));
      const perExample = tf.neg(tf.sum(tf.mul(pTeacher, temperedLogSoftmax(studentLogits, temperature)), 1));
      return tf.mul(tf.mean(perExample), temperature * temperature) as tf.Scalar;
    },
  });
}

export const softCrossEntropyPlugin = definePlugin({
  kind: 'loss',
  takesTemperature: true,
  name: 'soft-ce',
  description: 'T²·cross-entropy of softmax(s/T) against softmax(t/T)',
  parseOptions: parseSoftCrossEntropyOptions,
  create: (options) => softCrossEntropyLoss(options),
});
