import { DistilleryError, assertPositiveInteger, createRandom, definePlugin, readOptions, tf, type Augmentation } from '@distillery/core';
import { moveOnHost } from './host-memory.js';
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
 * zeroes less. One `fill` per row of the square, in host memory (see `moveOnHost`).
 */
export function cutout(options: CutoutOptions = {}): Augmentation {
  const { size } = parseCutoutOptions(options);
  return {
    name: 'cutout',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const [n, height, width, channels] = imageDims('cutout', x);
        if (size > height || size > width) {
          throw new DistilleryError('E_CONFIG', `cutout.size: expected at most the image's smaller side ${Math.min(height, width)}, got ${size}`);
        }
        const random = createRandom(seed);
        const half = Math.floor(size / 2);
        const tops = drawIntegers(random, n, 0, height - 1);
        const lefts = drawIntegers(random, n, 0, width - 1);
        return moveOnHost(x, (src, out) => {
          out.set(src);
          for (let e = 0; e < n; e++) {
            const [r0, r1] = [Math.max(0, tops[e]! - half), Math.min(height, tops[e]! - half + size)];
            const [c0, c1] = [Math.max(0, lefts[e]! - half), Math.min(width, lefts[e]! - half + size)];
            for (let r = r0; r < r1; r++) {
              const row = ((e * height + r) * width) * channels;
              out.fill(0, row + c0 * channels, row + c1 * channels);
            }
          }
        });
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
