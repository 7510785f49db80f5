import { DistilleryError, definePlugin, tf, type Loss } from '@distillery/core';
import { checkedFeatureLoss, l2Normalize, shapeText } from './feature-loss.js';
import { safeSqrt } from './log-probabilities.js';
import { nonNegativeNumber, readLossOptions } from './loss-options.js';

export interface RkdOptions {
  /** Weight of the distance-wise term. Default 25 (the authors' and mdistiller's). */
  readonly distanceWeight?: number;
  /** Weight of the angle-wise term. Default 50. */
  readonly angleWeight?: number;
}

export const rkdDefaults = { distanceWeight: 25, angleWeight: 50 } as const;

export function parseRkdOptions(input: unknown): Required<RkdOptions> {
  const options = readLossOptions('rkd', input, rkdDefaults);
  return {
    distanceWeight: nonNegativeNumber('rkd.distanceWeight', options.distanceWeight),
    angleWeight: nonNegativeNumber('rkd.angleWeight', options.angleWeight),
  };
}

/**
 * PyTorch's smooth_l1_loss (β = 1), mean over every element. The branch mask is a `sign`, whose
 * gradient is zero: a comparison op on the gradient path has no gradient in tfjs at all.
 */
function smoothL1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const diff = tf.abs(tf.sub(a, b));
  const quadratic = tf.sign(tf.relu(tf.sub(1, diff)));
  const branches = tf.add(tf.mul(quadratic, tf.mul(tf.square(diff), 0.5)), tf.mul(tf.sub(1, quadratic), tf.sub(diff, 0.5)));
  return tf.mean(branches) as tf.Scalar;
}

/**
 * Euclidean distances between the rows [n, n], the diagonal 0, divided by their mean over the
 * positive entries — the authors' `pdist` (squared distances clamped at 1e-12 before the root)
 * and normalisation. `sign` counts the positive entries without a gradient path.
 */
function normalisedDistances(e: tf.Tensor2D): tf.Tensor {
  const n = e.shape[0];
  const squares = tf.sum(tf.square(e), 1);
  const d2 = tf.sub(tf.add(tf.expandDims(squares, 1), tf.expandDims(squares, 0)), tf.mul(tf.matMul(e, e, false, true), 2));
  const d = tf.mul(safeSqrt(tf.maximum(d2, 1e-12)), tf.sub(1, tf.eye(n)));
  // A batch of identical embeddings has no positive distance: the 1e-12 floor keeps it finite.
  const mean = tf.div(tf.sum(d), tf.maximum(tf.sum(tf.sign(d)), 1));
  return tf.div(d, tf.maximum(mean, 1e-12));
}

/** Cosines of the angles e_j − e_i, e_k − e_i for every (i, j, k): [n·n·n], as the authors' RKdAngle. */
function angles(e: tf.Tensor2D): tf.Tensor {
  const differences = tf.sub(tf.expandDims(e, 0), tf.expandDims(e, 1));
  const unit = l2Normalize(differences, 2, safeSqrt) as tf.Tensor3D;
  return tf.reshape(tf.matMul(unit, unit, false, true), [-1]);
}

/**
 * `rkd`, relational knowledge distillation (Park et al., CVPR 2019) on a batch's embeddings
 * (any feature, flattened per example; the two sides may differ in size):
 * distanceWeight · smoothL1(ψ_D(s), ψ_D(t)) + angleWeight · smoothL1(ψ_A(s), ψ_A(t)), with ψ_D
 * the pairwise distances over their mean and ψ_A the cosines of the angles of every triplet —
 * the authors' code (lenscloth/RKD) term for term. Needs a batch of at least 2.
 */
export function rkdLoss(options: RkdOptions = {}): Loss {
  const { distanceWeight, angleWeight } = parseRkdOptions(options);
  return checkedFeatureLoss({
    name: 'rkd',
    checkShapes(student, teacher) {
      if (student[0]! < 2) {
        throw new DistilleryError('E_SHAPE', `rkd: relates the examples of a batch to each other, so needs at least 2, got features ${shapeText(student)} and ${shapeText(teacher)}`);
      }
    },
    compute(s, t) {
      const n = s.shape[0]!;
      const [es, et] = [tf.reshape(s, [n, -1]) as tf.Tensor2D, tf.reshape(t, [n, -1]) as tf.Tensor2D];
      const terms: tf.Scalar[] = [];
      if (distanceWeight > 0) terms.push(tf.mul(smoothL1(normalisedDistances(es), normalisedDistances(et)), distanceWeight));
      if (angleWeight > 0) terms.push(tf.mul(smoothL1(angles(es), angles(et)), angleWeight));
      return (terms.length === 0 ? tf.scalar(0) : terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
    },
  });
}

export const rkdPlugin = definePlugin({
  kind: 'loss',
  name: 'rkd',
  description: 'relational KD: distance-wise (25) and angle-wise (50) smooth-L1 terms on a batch of embeddings',
  parseOptions: parseRkdOptions,
  create: (options) => rkdLoss(options),
});
