import { PluginRegistry, type Loss, type Plugin } from '@distillery/core';
import { crossEntropyDefaults, crossEntropyPlugin, type CrossEntropyOptions } from './cross-entropy.js';
import { dkdDefaults, dkdPlugin, type DkdOptions } from './decoupled-kd.js';
import { distDefaults, distPlugin, type DistOptions } from './dist-relation.js';
import { kdDefaults, kdPlugin, type KdOptions } from './hinton-kd.js';
import { logitMseDefaults, logitMsePlugin, type LogitMseOptions } from './logit-mse.js';
import { lsKdDefaults, lsKdPlugin, type LsKdOptions } from './logit-standardized-kd.js';
import { atDefaults, atPlugin, type AtOptions } from './attention-transfer.js';
import { hintDefaults, hintPlugin, type HintOptions } from './hint-loss.js';
import { rkdDefaults, rkdPlugin, type RkdOptions } from './relational-kd.js';
import { softCrossEntropyDefaults, softCrossEntropyPlugin, type SoftCrossEntropyOptions } from './soft-cross-entropy.js';

/** Options of each built-in loss, by name: `createLoss('dkd', { beta: 2 })` is checked at compile time. */
export interface BuiltinLossOptions {
  ce: CrossEntropyOptions;
  kd: KdOptions;
  'soft-ce': SoftCrossEntropyOptions;
  'logit-mse': LogitMseOptions;
  dkd: DkdOptions;
  'ls-kd': LsKdOptions;
  dist: DistOptions;
  hint: HintOptions;
  at: AtOptions;
  rkd: RkdOptions;
}

export type BuiltinLossName = keyof BuiltinLossOptions;

/** Every built-in loss as a plugin, registered exactly as a third-party loss would be. */
export const lossPlugins: readonly Plugin<'loss'>[] = [
  crossEntropyPlugin,
  kdPlugin,
  softCrossEntropyPlugin,
  logitMsePlugin,
  dkdPlugin,
  lsKdPlugin,
  distPlugin,
  hintPlugin,
  atPlugin,
  rkdPlugin,
];

/** The defaults of each built-in loss: its option names, and what an omitted option means. */
export const builtinLossDefaults: { readonly [N in BuiltinLossName]: Readonly<Record<string, unknown>> } = {
  ce: crossEntropyDefaults,
  kd: kdDefaults,
  'soft-ce': softCrossEntropyDefaults,
  'logit-mse': logitMseDefaults,
  dkd: dkdDefaults,
  'ls-kd': lsKdDefaults,
  dist: distDefaults,
  hint: hintDefaults,
  at: atDefaults,
  rkd: rkdDefaults,
};

export function isBuiltinLossName(name: string): name is BuiltinLossName {
  return Object.hasOwn(builtinLossDefaults, name);
}

/** Registers the built-in losses on `registry` (beside third-party ones) and returns it. */
export function registerLosses(registry: PluginRegistry): PluginRegistry {
  for (const plugin of lossPlugins) registry.register(plugin, '@distillery/losses');
  return registry;
}

let builtins: PluginRegistry | undefined;

/**
 * A built-in loss by name, its options checked by the loss's own parser: a wrong name lists the
 * available ones, a wrong option names the loss, the option and the value. For third-party
 * losses, register them beside the built-ins: `registerLosses(new PluginRegistry()).register(p)`.
 */
export function createLoss<N extends BuiltinLossName>(name: N, options?: BuiltinLossOptions[N]): Loss;
/** A name known only at run time (a `string`, e.g. from a config); a misspelt literal does not compile. */
export function createLoss<N extends string>(name: string extends N ? N : never, options?: unknown): Loss;
export function createLoss(name: string, options: unknown = {}): Loss {
  builtins ??= registerLosses(new PluginRegistry());
  return builtins.create('loss', name, options);
}

// Built-in loss names and options, known to `registry.create('loss', name, options)` at compile time.
declare module '@distillery/core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the built-ins in
  interface LossPluginOptions extends BuiltinLossOptions {}
}
