import { definePlugin, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { readLossOptions } from './loss-options.js';

/** `logit-mse` takes no options. */
export type LogitMseOptions = Record<string, never>;

export const logitMseDefaults = {} as const;

export function parseLogitMseOptions(input: unknown): LogitMseOptions {
  readLossOptions('logit-mse', input, logitMseDefaults);
  return {};
}

/**
 * `logit-mse` (Ba & Caruana 2014): mean over batch and classes of (s − t)². For zero-mean logits
 * it is twice the T → ∞ limit of `kd` (Hinton et al. 2015, section 2.1).
 */
export function logitMseLoss(options: LogitMseOptions = {}): Loss {
  parseLogitMseOptions(options);
  return checkedLoss({
    name: 'logit-mse',
    requires: ['teacherLogits'],
    compute: ({ studentLogits, teacherLogits }) => tf.mean(tf.squaredDifference(studentLogits, teacherLogits!)) as tf.Scalar,
  });
}

export const logitMsePlugin = definePlugin({
  kind: 'loss',
  name: 'logit-mse',
  description: 'mean squared error between student and teacher logits',
  parseOptions: parseLogitMseOptions,
  create: (options) => logitMseLoss(options),
});
