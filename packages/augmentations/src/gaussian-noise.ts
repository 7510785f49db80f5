import { assertPositiveNumber, configError, definePlugin, readOptions, tf, type Augmentation } from '@distillery/core';
import { finiteNumber } from './option-checks.js';

export interface GaussianNoiseOptions {
  /** σ of the zero-mean noise added to every input value. Default 0.1. */
  readonly std?: number;
  /** [low, high]: clip the noisy input to the data's range, e.g. [0, 1] for pixels. Default: no clipping. */
  readonly clip?: readonly [number, number];
}

export const gaussianNoiseDefaults = { std: 0.1, clip: undefined } as const;

export function parseGaussianNoiseOptions(input: unknown): { std: number; clip?: readonly [number, number] } {
  const options = readOptions('noise', input, gaussianNoiseDefaults);
  assertPositiveNumber('noise.std', options.std);
  if (options.clip === undefined) return { std: options.std };
  const clip = options.clip;
  if (!Array.isArray(clip) || clip.length !== 2) throw configError('noise.clip', '[low, high]', clip);
  const low = finiteNumber('noise.clip[0]', clip[0]);
  const high = finiteNumber('noise.clip[1]', clip[1]);
  if (!(low < high)) throw configError('noise.clip', 'low < high', `[${low}, ${high}]`);
  return { std: options.std, clip: [low, high] };
}

/** `noise`: adds N(0, σ²) to every input value, from the step's seed; works on any input shape. */
export function gaussianNoise(options: GaussianNoiseOptions = {}): Augmentation {
  const { std, clip } = parseGaussianNoiseOptions(options);
  return {
    name: 'noise',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const noisy = tf.add(x, tf.randomNormal(x.shape, 0, std, 'float32', seed));
        return clip === undefined ? noisy : tf.clipByValue(noisy, clip[0], clip[1]);
      }),
  };
}

export const gaussianNoisePlugin = definePlugin({
  kind: 'augmentation',
  name: 'noise',
  description: 'additive Gaussian noise of standard deviation σ, optionally clipped',
  parseOptions: parseGaussianNoiseOptions,
  create: (options) => gaussianNoise(options),
});
