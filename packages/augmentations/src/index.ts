export { randomShift, randomShiftPlugin, randomShiftDefaults, parseRandomShiftOptions, type RandomShiftOptions } from './random-shift.js';
export { gaussianNoise, gaussianNoisePlugin, gaussianNoiseDefaults, parseGaussianNoiseOptions, type GaussianNoiseOptions } from './gaussian-noise.js';
export { cutout, cutoutPlugin, cutoutDefaults, parseCutoutOptions, type CutoutOptions } from './cutout.js';
export {
  randomCrop,
  randomCropPlugin,
  randomCropDefaults,
  parseRandomCropOptions,
  CROP_PADDING_MODES,
  type RandomCropOptions,
  type CropPaddingMode,
} from './random-crop.js';
export {
  horizontalFlip,
  horizontalFlipPlugin,
  horizontalFlipDefaults,
  parseHorizontalFlipOptions,
  type HorizontalFlipOptions,
} from './horizontal-flip.js';
export { mixup, mixupPlugin, mixupDefaults, parseMixupOptions, drawMixup, type MixupOptions, type MixupDraw } from './mixup.js';
export { composeAugmentations } from './compose.js';
export {
  augmentationPlugins,
  registerAugmentations,
  createAugmentation,
  builtinAugmentationDefaults,
  type BuiltinAugmentationName,
  type BuiltinAugmentationOptions,
} from './augmentation-plugins.js';
