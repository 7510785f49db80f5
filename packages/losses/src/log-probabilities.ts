import { tf } from '@distillery/core';

/**
 * log softmax(z / T) per row. tfjs subtracts the row maximum inside `logSoftmax`, so logits of
 * magnitude 1e3 (or T = 0.5 on them) give finite log-probabilities, where log(softmax(z)) would
 * give log(0) = −∞.
 */
export function temperedLogSoftmax(logits: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return tf.logSoftmax(temperature === 1 ? logits : tf.div<tf.Tensor2D>(logits, temperature));
}

/** Σ_k p_k · (log p_k − log q_k) per row, from log-probabilities: shape [batch]. */
export function klDivergenceRows(logP: tf.Tensor2D, logQ: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1);
}

/**
 * A finite stand-in for −∞ when a class is masked out of a softmax. exp(−1e30 − max) is exactly
 * 0 in float32, as with −∞, but −1e30 − (−1e30) is 0 where −∞ − (−∞) is NaN, so masked entries
 * drop out of KL terms and gradients instead of poisoning them.
 */
export const MASKED_LOGIT = -1e30;

/**
 * √x with gradient 0 where x = 0 (tf.sqrt's is 1/(2·0) = ∞, and ∞·0 = NaN downstream): the
 * norm of an all-zero vector then has gradient 0, as in PyTorch, instead of poisoning a step.
 */
export const safeSqrt: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const root = tf.sqrt(x);
  save([root]);
  return {
    value: root,
    gradFunc: (dy, saved) => {
      const [r] = saved as [tf.Tensor];
      return tf.where(tf.greater(r, 0), tf.div(dy, tf.mul(r, 2)), tf.zerosLike(r));
    },
  };
});
