import { DistilleryError, assertInRange, configError, definePlugin, fusedCrossEntropy, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { readLossOptions } from './loss-options.js';

export interface CrossEntropyOptions {
  /** ε in [0, 1): the target is (1−ε)·one-hot + ε/classes. Default 0. */
  readonly labelSmoothing?: number;
  /**
   * One weight per class (e.g. larger for a rare class). The loss becomes
   * Σ_i w_{y_i}·CE_i / Σ_i w_{y_i} — PyTorch's `cross_entropy(weight=…)` for hard labels. With
   * soft targets (mixup, smoothing) example i weighs Σ_c target_ic·w_c. Default: none (all 1).
   */
  readonly classWeights?: readonly number[];
}

export const crossEntropyDefaults = { labelSmoothing: 0, classWeights: undefined } as const;

export function parseCrossEntropyOptions(input: unknown): { labelSmoothing: number; classWeights?: readonly number[] } {
  const options = readLossOptions('ce', input, crossEntropyDefaults);
  assertInRange('ce.labelSmoothing', options.labelSmoothing, 0, 0.999999);
  const weights = options.classWeights;
  if (weights === undefined) return { labelSmoothing: options.labelSmoothing };
  if (!Array.isArray(weights) || weights.length < 2 || !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0) || !weights.some((w) => w > 0)) {
    throw configError('ce.classWeights', 'one finite weight ≥ 0 per class (at least one > 0)', weights);
  }
  return { labelSmoothing: options.labelSmoothing, classWeights: weights as number[] };
}

/**
 * `ce`: cross-entropy with hard labels, batch mean, from log-softmax (finite for huge logits).
 * With mixed targets (mixup) it is the cross-entropy against them, which equals the mix of the
 * hard-label cross-entropies, since CE is linear in the target.
 */
export function crossEntropyLoss(options: CrossEntropyOptions = {}): Loss {
  const { labelSmoothing: smoothing, classWeights } = parseCrossEntropyOptions(options);
  return checkedLoss({
    name: 'ce',
    requires: ['labels'],
    acceptsTargets: true,
    compute({ studentLogits, labels, targets }) {
      const classes = studentLogits.shape[1];
      if (classWeights !== undefined && classWeights.length !== classes) {
        throw new DistilleryError('E_CONFIG', `ce.classWeights: ${classWeights.length} weights, but the logits have ${classes} classes`);
      }
      // Plain hard labels: one fused kernel (and one for its gradient) where the native kernels are installed.
      const fused = targets === undefined && smoothing === 0 && classWeights === undefined ? fusedCrossEntropy(studentLogits, labels!) : undefined;
      if (fused !== undefined) return fused;
      let target: tf.Tensor = targets ?? tf.oneHot(labels!, classes);
      if (smoothing > 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
      const perExample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(studentLogits)), 1));
      if (classWeights === undefined) return tf.mean(perExample) as tf.Scalar;
      // Each example's weight is its (unsmoothed) target's weight: w_y for a hard label.
      const hard = targets ?? tf.oneHot(labels!, classes);
      const weight = tf.sum(tf.mul(hard, tf.tensor1d(classWeights as number[])), 1);
      return tf.div(tf.sum(tf.mul(weight, perExample)), tf.maximum(tf.sum(weight), 1e-12)) as tf.Scalar;
    },
  });
}

export const crossEntropyPlugin = definePlugin({
  kind: 'loss',
  name: 'ce',
  description: 'cross-entropy with hard labels, optional label smoothing and class weights',
  parseOptions: parseCrossEntropyOptions,
  create: (options) => crossEntropyLoss(options),
});
