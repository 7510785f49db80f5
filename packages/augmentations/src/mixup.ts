import { assertPositiveNumber, createRandom, definePlugin, deriveSeed, readOptions, shuffledIndices, tf, type Augmentation, type AugmentationContext } from '@distillery/core';
import { sampleBeta } from './beta-sample.js';

export interface MixupOptions {
  /** α of the Beta(α, α) the mixing weight λ is drawn from. Default 0.2 (Zhang et al.'s ImageNet value). */
  readonly alpha?: number;
}

export const mixupDefaults = { alpha: 0.2 } as const;

export function parseMixupOptions(input: unknown): Required<MixupOptions> {
  const options = readOptions('mixup', input, mixupDefaults);
  assertPositiveNumber('mixup.alpha', options.alpha);
  return { alpha: options.alpha };
}

/** One draw of a mixup step: the weight and the partner of each example. */
export interface MixupDraw {
  readonly lambda: number;
  readonly partners: Int32Array;
}

/** λ ~ Beta(α, α), one per batch as in Zhang et al.'s reference code; partners = a seeded shuffle. */
export function drawMixup(alpha: number, batchSize: number, context: AugmentationContext): MixupDraw {
  return { lambda: sampleBeta(createRandom(context.seed), alpha, alpha), partners: shuffledIndices(batchSize, deriveSeed(context.seed, 1)) };
}

/**
 * `mixup` (Zhang et al. 2018): each example becomes λ·xᵢ + (1 − λ)·x_π(i) for a shuffle π of the
 * batch, and its target λ·yᵢ + (1 − λ)·y_π(i) — through `applyToBatch`, so the trainer's `ce`
 * trains on the mixed targets. On transfer batches (`apply`, inputs only) the online teacher
 * labels the mixed input itself. Works on any input shape.
 */
export function mixup(options: MixupOptions = {}): Augmentation {
  const { alpha } = parseMixupOptions(options);
  const mix = <T extends tf.Tensor>(t: T, { lambda, partners }: MixupDraw): T =>
    tf.add(tf.mul(t, lambda), tf.mul(tf.gather(t, partners), 1 - lambda));
  return {
    name: 'mixup',
    apply: (x, context) => tf.tidy(() => mix(x, drawMixup(alpha, x.shape[0]!, context))),
    applyToBatch: ({ x, targets }, context) => {
      const draw = drawMixup(alpha, x.shape[0]!, context);
      return { x: tf.tidy(() => mix(x, draw)), targets: tf.tidy(() => mix(targets, draw)) };
    },
  };
}

export const mixupPlugin = definePlugin({
  kind: 'augmentation',
  name: 'mixup',
  description: 'mix pairs of examples and their labels with λ ~ Beta(α, α)',
  parseOptions: parseMixupOptions,
  create: (options) => mixup(options),
});
