import { brightnessPlugin, type BrightnessOptions } from './brightness.js';
import { jsdPlugin, type JsdOptions } from './jsd-loss.js';

export { jsdLoss, jsdPlugin, jsdOptions, type JsdOptions } from './jsd-loss.js';
export { brightness, brightnessPlugin, brightnessOptions, type BrightnessOptions } from './brightness.js';

/** What Distillery loads from this module: `plugins: ['distillery-plugin-example']`. */
export const plugins = [jsdPlugin, brightnessPlugin];

// Teach the type checker the names and options: registry.create('loss', 'jsd', { temperature: 2 }).
declare module '@distillery/core' {
  interface LossPluginOptions {
    jsd: JsdOptions;
  }
  interface AugmentationPluginOptions {
    brightness: BrightnessOptions;
  }
}
