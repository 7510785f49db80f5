import { assertPositiveInteger, definePlugin, readOptions, tf, type Augmentation } from '@distillery/core';
import { imageDims, randomWindows } from './image-batch.js';
import { finiteNumber } from './option-checks.js';

export interface RandomShiftOptions {
  /** k: each image moves by a whole number of pixels in [−k, k], rows and columns drawn apart. Default 2. */
  readonly pixels?: number;
  /** Value of the pixels uncovered by the move. Default 0 (MNIST's background). */
  readonly fill?: number;
}

export const randomShiftDefaults = { pixels: 2, fill: 0 } as const;

export function parseRandomShiftOptions(input: unknown): Required<RandomShiftOptions> {
  const options = readOptions('shift', input, randomShiftDefaults);
  assertPositiveInteger('shift.pixels', options.pixels);
  return { pixels: options.pixels, fill: finiteNumber('shift.fill', options.fill) };
}

/**
 * `shift`: translates each image by up to k pixels in each direction (Hinton et al. jittered
 * their MNIST teacher's inputs by up to two pixels): output pixel (i, j) is input pixel
 * (i − dy, j − dx), or `fill` where that falls outside the image.
 */
export function randomShift(options: RandomShiftOptions = {}): Augmentation {
  const { pixels: k, fill } = parseRandomShiftOptions(options);
  return {
    name: 'shift',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        imageDims('shift', x);
        return randomWindows(x, k, 'fill', fill, seed);
      }),
  };
}

export const randomShiftPlugin = definePlugin({
  kind: 'augmentation',
  name: 'shift',
  description: 'translate each image by up to k pixels (zero fill)',
  parseOptions: parseRandomShiftOptions,
  create: (options) => randomShift(options),
});
