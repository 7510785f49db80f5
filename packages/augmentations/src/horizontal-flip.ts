import { assertInRange, createRandom, definePlugin, readOptions, tf, type Augmentation } from '@distillery/core';
import { imageDims } from './image-batch.js';

export interface HorizontalFlipOptions {
  /** Chance that an image is mirrored left to right. Default 0.5. */
  readonly probability?: number;
}

export const horizontalFlipDefaults = { probability: 0.5 } as const;

export function parseHorizontalFlipOptions(input: unknown): Required<HorizontalFlipOptions> {
  const options = readOptions('flip', input, horizontalFlipDefaults);
  assertInRange('flip.probability', options.probability, 0, 1);
  return { probability: options.probability };
}

/**
 * `flip`: mirrors each image left to right with the given probability. Opt-in only, never a
 * default: it changes the meaning of digits and text (a mirrored 2 is no 2).
 */
export function horizontalFlip(options: HorizontalFlipOptions = {}): Augmentation {
  const { probability } = parseHorizontalFlipOptions(options);
  return {
    name: 'flip',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const [n] = imageDims('flip', x);
        const random = createRandom(seed);
        const flips = Float32Array.from({ length: n }, () => (random.next() < probability ? 1 : 0));
        const mask = tf.tensor4d(flips, [n, 1, 1, 1]);
        // Both terms are exact (one factor is 0, the other 1), so unflipped images are unchanged.
        return tf.add(tf.mul(tf.reverse(x, 2), mask), tf.mul(x, tf.sub(1, mask)));
      }),
  };
}

export const horizontalFlipPlugin = definePlugin({
  kind: 'augmentation',
  name: 'flip',
  description: 'mirror images left to right with probability p (opt-in: wrong for digits)',
  parseOptions: parseHorizontalFlipOptions,
  create: (options) => horizontalFlip(options),
});
