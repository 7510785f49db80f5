import { DistilleryError, definePlugin, tf, type Loss } from '@distillery/core';
import { checkedFeatureLoss, l2Normalize, shapeText } from './feature-loss.js';
import { safeSqrt } from './log-probabilities.js';
import { positiveNumber, readLossOptions } from './loss-options.js';

export interface AtOptions {
  /** The power of |A| summed over channels. Default 2 (the paper's and its code's choice). */
  readonly p?: number;
}

export const atDefaults = { p: 2 } as const;

export function parseAtOptions(input: unknown): Required<AtOptions> {
  const options = readLossOptions('at', input, atDefaults);
  const p = positiveNumber('at.p', options.p);
  if (p < 1) throw new DistilleryError('E_CONFIG', `at.p: expected a number ≥ 1 (|A|^p has no gradient at 0 below 1), got ${p}`);
  return { p };
}

/** The ratio by which the larger map is pooled to the smaller one, or undefined when none fits. */
function poolRatio(large: readonly number[], small: readonly number[]): number | undefined {
  const [hl, wl, hs, ws] = [large[1]!, large[2]!, small[1]!, small[2]!];
  const r = hl / hs;
  return Number.isInteger(r) && wl === ws * r ? r : undefined;
}

/** Q = mean over channels of |A|^p, flattened per example and L2-normalised: [batch, h·w]. */
function attentionMap(feature: tf.Tensor, p: number): tf.Tensor {
  const powered = p === 2 ? tf.square(feature) : tf.pow(tf.abs(feature), p);
  const q = tf.mean(powered, 3);
  return l2Normalize(tf.reshape(q, [feature.shape[0]!, -1]), 1, safeSqrt);
}

/**
 * `at`, attention transfer (Zagoruyko & Komodakis, ICLR 2017) on feature maps [batch, h, w, c]
 * (channels last; the channel counts may differ). The reduction is that of the authors' code
 * (szagoruyko/attention-transfer `at_loss`) and of mdistiller, not the paper's unsquared norm:
 * Q = F.normalize(mean_c |A|^p) per example, loss = mean over batch and positions of
 * (Q_s − Q_t)². The mean over channels instead of the paper's sum changes nothing once Q is
 * normalised. When the spatial sizes differ, the larger map is average-pooled to the smaller's
 * first (mdistiller's adaptive pooling), which needs a whole ratio. The paper's weight β/2 with
 * β = 1000 is the term's weight (`weight: 1000` in the issue's example).
 */
export function atLoss(options: AtOptions = {}): Loss {
  const { p } = parseAtOptions(options);
  return checkedFeatureLoss({
    name: 'at',
    checkShapes(student, teacher) {
      if (student.length !== 4 || teacher.length !== 4) {
        throw new DistilleryError('E_SHAPE', `at: needs feature maps [batch, height, width, channels] on both sides, got ${shapeText(student)} and ${shapeText(teacher)}`);
      }
      const same = student[1] === teacher[1] && student[2] === teacher[2];
      if (!same && poolRatio(student, teacher) === undefined && poolRatio(teacher, student) === undefined) {
        throw new DistilleryError(
          'E_SHAPE',
          `at: the maps' spatial sizes must be equal or one a whole multiple of the other (it is average-pooled to the smaller), got ${shapeText(student)} and ${shapeText(teacher)}`,
        );
      }
    },
    compute(s, t) {
      const pool = (x: tf.Tensor, r: number | undefined) => (r === undefined || r === 1 ? x : tf.avgPool(x as tf.Tensor4D, r, r, 'valid'));
      const sPooled = pool(s, poolRatio(s.shape, t.shape));
      const tPooled = pool(t, poolRatio(t.shape, s.shape));
      return tf.mean(tf.squaredDifference(attentionMap(sPooled, p), attentionMap(tPooled, p))) as tf.Scalar;
    },
  });
}

export const atPlugin = definePlugin({
  kind: 'loss',
  name: 'at',
  description: 'attention transfer: mean (Q_s/‖Q_s‖ − Q_t/‖Q_t‖)², Q = channel mean of |A|^p',
  parseOptions: parseAtOptions,
  create: (options) => atLoss(options),
});
