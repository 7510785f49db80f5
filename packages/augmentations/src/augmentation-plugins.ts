import { PluginRegistry, type Augmentation, type Plugin } from '@distillery/core';
import { cutoutDefaults, cutoutPlugin, type CutoutOptions } from './cutout.js';
import { gaussianNoiseDefaults, gaussianNoisePlugin, type GaussianNoiseOptions } from './gaussian-noise.js';
import { horizontalFlipDefaults, horizontalFlipPlugin, type HorizontalFlipOptions } from './horizontal-flip.js';
import { mixupDefaults, mixupPlugin, type MixupOptions } from './mixup.js';
import { randomCropDefaults, randomCropPlugin, type RandomCropOptions } from './random-crop.js';
import { randomShiftDefaults, randomShiftPlugin, type RandomShiftOptions } from './random-shift.js';

/** Options of each built-in augmentation, by name. */
export interface BuiltinAugmentationOptions {
  shift: RandomShiftOptions;
  noise: GaussianNoiseOptions;
  cutout: CutoutOptions;
  crop: RandomCropOptions;
  flip: HorizontalFlipOptions;
  mixup: MixupOptions;
}

export type BuiltinAugmentationName = keyof BuiltinAugmentationOptions;

export const augmentationPlugins: readonly Plugin<'augmentation'>[] = [
  randomShiftPlugin,
  gaussianNoisePlugin,
  cutoutPlugin,
  randomCropPlugin,
  horizontalFlipPlugin,
  mixupPlugin,
];

/** Each built-in augmentation's options and what an omitted one means. */
export const builtinAugmentationDefaults: { readonly [N in BuiltinAugmentationName]: Readonly<Record<string, unknown>> } = {
  shift: randomShiftDefaults,
  noise: gaussianNoiseDefaults,
  cutout: cutoutDefaults,
  crop: randomCropDefaults,
  flip: horizontalFlipDefaults,
  mixup: mixupDefaults,
};

/** Registers the built-in augmentations on `registry` (beside third-party ones) and returns it. */
export function registerAugmentations(registry: PluginRegistry): PluginRegistry {
  for (const plugin of augmentationPlugins) registry.register(plugin, '@distillery/augmentations');
  return registry;
}

let builtins: PluginRegistry | undefined;

/** A built-in augmentation by name, its options checked by its own parser (as from a config file). */
export function createAugmentation<N extends BuiltinAugmentationName>(name: N, options?: BuiltinAugmentationOptions[N]): Augmentation;
/** A name known only at run time (a `string`, e.g. from a config); a misspelt literal does not compile. */
export function createAugmentation<N extends string>(name: string extends N ? N : never, options?: unknown): Augmentation;
export function createAugmentation(name: string, options: unknown = {}): Augmentation {
  builtins ??= registerAugmentations(new PluginRegistry());
  return builtins.create('augmentation', name, options);
}

// Built-in augmentation names and options, known to `registry.create('augmentation', name, options)` at compile time.
declare module '@distillery/core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the built-ins in
  interface AugmentationPluginOptions extends BuiltinAugmentationOptions {}
}
