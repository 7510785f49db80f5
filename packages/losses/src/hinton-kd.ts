import { tf, assertPositiveNumber, type Loss } from '@distillery/core';

export interface KdOptions {
  /** T > 0: both logit sets are divided by T before the softmax. */
  readonly temperature: number;
}

/**
 * `kd` (Hinton, Vinyals & Dean 2015): T² · KL(softmax(t/T) ‖ softmax(s/T)), the per-example
 * sum over classes averaged over the batch. T² keeps the gradient's scale independent of T.
 * Both distributions come from log-softmax, so logits of magnitude 1e3 stay finite.
 */
export function kdLoss(options: KdOptions): Loss {
  const temperature = options.temperature;
  assertPositiveNumber('kd.temperature', temperature);
  return {
    name: 'kd',
    requires: ['teacherLogits'],
    compute({ studentLogits, teacherLogits }) {
      return tf.tidy(() => {
        const logPTeacher = tf.logSoftmax(tf.div(teacherLogits!, temperature));
        const logPStudent = tf.logSoftmax(tf.div(studentLogits, temperature));
        const kl = tf.sum(tf.mul(tf.exp(logPTeacher), tf.sub(logPTeacher, logPStudent)), 1);
        return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
      });
    },
  };
}
