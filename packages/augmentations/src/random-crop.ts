import { DistilleryError, assertPositiveInteger, definePlugin, oneOf, readOptions, tf, type Augmentation } from '@distillery/core';
import { imageDims, randomWindows } from './image-batch.js';

export const CROP_PADDING_MODES = ['zeros', 'reflect'] as const;
export type CropPaddingMode = (typeof CROP_PADDING_MODES)[number];

export interface RandomCropOptions {
  /** p: pixels of padding on every side before the crop. Default 4 (the CIFAR recipe). */
  readonly padding?: number;
  /** How the border is filled: `zeros`, or `reflect` (mirror without repeating the edge). Default `zeros`. */
  readonly mode?: CropPaddingMode;
}

export const randomCropDefaults = { padding: 4, mode: 'zeros' } as const;

export function parseRandomCropOptions(input: unknown): Required<RandomCropOptions> {
  const options = readOptions('crop', input, randomCropDefaults);
  assertPositiveInteger('crop.padding', options.padding);
  return { padding: options.padding, mode: oneOf('crop.mode', options.mode, CROP_PADDING_MODES) };
}

/**
 * `crop`: pads each image by p pixels, then takes a random window of the original size. With
 * zero padding this is `shift` with k = p; `reflect` fills the border with the image's mirror,
 * so no blank band appears (better for natural images than for digits on black).
 */
export function randomCrop(options: RandomCropOptions = {}): Augmentation {
  const { padding: p, mode } = parseRandomCropOptions(options);
  return {
    name: 'crop',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const [, height, width] = imageDims('crop', x);
        if (mode === 'reflect' && (p >= height || p >= width)) {
          throw new DistilleryError('E_CONFIG', `crop.padding: reflect padding needs fewer than ${Math.min(height, width)} pixels for ${height}×${width} images, got ${p}`);
        }
        return randomWindows(x, p, mode === 'zeros' ? 'fill' : 'reflect', 0, seed);
      }),
  };
}

export const randomCropPlugin = definePlugin({
  kind: 'augmentation',
  name: 'crop',
  description: 'random crop of the original size from an image padded by p pixels (zeros or reflect)',
  parseOptions: parseRandomCropOptions,
  create: (options) => randomCrop(options),
});
