import { assertInRange, definePlugin, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { readLossOptions } from './loss-options.js';

export interface CrossEntropyOptions {
  /** ε in [0, 1): the target is (1−ε)·one-hot + ε/classes. Default 0. */
  readonly labelSmoothing?: number;
}

export const crossEntropyDefaults = { labelSmoothing: 0 } as const;

export function parseCrossEntropyOptions(input: unknown): Required<CrossEntropyOptions> {
  const options = readLossOptions('ce', input, crossEntropyDefaults);
  assertInRange('ce.labelSmoothing', options.labelSmoothing, 0, 0.999999);
  return { labelSmoothing: options.labelSmoothing };
}

/**
 * `ce`: cross-entropy with hard labels, batch mean, from log-softmax (finite for huge logits).
 * With mixed targets (mixup) it is the cross-entropy against them, which equals the mix of the
 * hard-label cross-entropies, since CE is linear in the target.
 */
export function crossEntropyLoss(options: CrossEntropyOptions = {}): Loss {
  const { labelSmoothing: smoothing } = parseCrossEntropyOptions(options);
  return checkedLoss({
    name: 'ce',
    requires: ['labels'],
    acceptsTargets: true,
    compute({ studentLogits, labels, targets }) {
      const classes = studentLogits.shape[1];
      let target: tf.Tensor = targets ?? tf.oneHot(labels!, classes);
      if (smoothing > 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
      const perExample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(studentLogits)), 1));
      return tf.mean(perExample) as tf.Scalar;
    },
  });
}

export const crossEntropyPlugin = definePlugin({
  kind: 'loss',
  name: 'ce',
  description: 'cross-entropy with hard labels, optional label smoothing',
  parseOptions: parseCrossEntropyOptions,
  create: (options) => crossEntropyLoss(options),
});
