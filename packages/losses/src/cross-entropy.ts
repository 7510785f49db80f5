import { tf, assertInRange, type Loss } from '@distillery/core';

export interface CrossEntropyOptions {
  /** ε in [0, 1): the target is (1−ε)·one-hot + ε/classes. Default 0. */
  readonly labelSmoothing?: number;
}

/** `ce`: cross-entropy with hard labels, batch mean, from log-softmax (finite for huge logits). */
export function crossEntropyLoss(options: CrossEntropyOptions = {}): Loss {
  const smoothing = options.labelSmoothing ?? 0;
  assertInRange('ce.labelSmoothing', smoothing, 0, 0.999999);
  return {
    name: 'ce',
    requires: ['labels'],
    compute({ studentLogits, labels }) {
      return tf.tidy(() => {
        const classes = studentLogits.shape[1];
        let target: tf.Tensor = tf.oneHot(labels!, classes);
        if (smoothing > 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
        const perExample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(studentLogits)), 1));
        return tf.mean(perExample) as tf.Scalar;
      });
    },
  };
}
