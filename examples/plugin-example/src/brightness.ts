import { definePlugin, tf, type Augmentation } from '@distillery/core';
import { z } from 'zod';

export const brightnessOptions = z.object({
  /** Each example is scaled by a factor drawn uniformly from [1 − maxDelta, 1 + maxDelta]. */
  maxDelta: z.number().min(0).max(1).default(0.2),
});
export type BrightnessOptions = z.input<typeof brightnessOptions>;

/** Random brightness: one factor per example, drawn from the step's seed; pixels clipped to [0, 1]. */
export function brightness(maxDelta: number): Augmentation {
  return {
    name: 'brightness',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const perExample = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
        const factor = tf.randomUniform(perExample, 1 - maxDelta, 1 + maxDelta, 'float32', seed);
        return tf.clipByValue(tf.mul(x, factor), 0, 1);
      }),
  };
}

export const brightnessPlugin = definePlugin({
  kind: 'augmentation',
  name: 'brightness',
  description: 'random per-example brightness',
  options: brightnessOptions,
  create: (options) => brightness(options.maxDelta),
});
