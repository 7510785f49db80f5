import { DistilleryError, assertPositiveInteger, createRandom, definePlugin, readOptions, tf, type Augmentation } from '@distillery/core';
import { drawIntegers, imageDims } from './image-batch.js';

export interface CutoutOptions {
  /** s: side of the square set to zero. Default 8 (DeVries & Taylor used 16 on 32×32 CIFAR-10). */
  readonly size?: number;
}

export const cutoutDefaults = { size: 8 } as const;

export function parseCutoutOptions(input: unknown): Required<CutoutOptions> {
  const options = readOptions('cutout', input, cutoutDefaults);
  assertPositiveInteger('cutout.size', options.size);
  return { size: options.size };
}

/**
 * `cutout` (DeVries & Taylor 2017): zeroes one s × s square per image, all channels. As in the
 * paper the centre is uniform over the whole image, so a square near the border is clipped and
 * zeroes less. The mask is built by comparing broadcast row/column ranges with each example's
 * square: one multiply, no per-pixel JS.
 */
export function cutout(options: CutoutOptions = {}): Augmentation {
  const { size } = parseCutoutOptions(options);
  return {
    name: 'cutout',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const [n, height, width] = imageDims('cutout', x);
        if (size > height || size > width) {
          throw new DistilleryError('E_CONFIG', `cutout.size: expected at most the image's smaller side ${Math.min(height, width)}, got ${size}`);
        }
        const random = createRandom(seed);
        const half = Math.floor(size / 2);
        const tops = drawIntegers(random, n, 0, height - 1).map((c) => c - half);
        const lefts = drawIntegers(random, n, 0, width - 1).map((c) => c - half);
        const inside = (positions: number, starts: Int32Array, shape: number[]) => {
          const range = tf.reshape(tf.range(0, positions, 1, 'int32'), shape);
          const start = tf.tensor4d(starts, [n, 1, 1, 1], 'int32');
          return tf.logicalAnd(tf.greaterEqual(range, start), tf.less(range, tf.add(start, size)));
        };
        const square = tf.logicalAnd(inside(height, tops, [1, height, 1, 1]), inside(width, lefts, [1, 1, width, 1]));
        return tf.mul(x, tf.logicalNot(square).toFloat());
      }),
  };
}

export const cutoutPlugin = definePlugin({
  kind: 'augmentation',
  name: 'cutout',
  description: 'zero one s×s square per image, centre uniform over the image',
  parseOptions: parseCutoutOptions,
  create: (options) => cutout(options),
});
