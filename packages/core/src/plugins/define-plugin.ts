import type { Augmentation } from '../contracts/augmentation.js';
import type { DatasetSource } from '../contracts/dataset.js';
import type { Loss } from '../contracts/loss.js';
import type { Model } from '../contracts/model.js';
import type { PluginServices } from '../services/services.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Bumped when the plugin contract changes incompatibly; plugins built for another are refused. */
export const PLUGIN_API_VERSION = 1;

/** What each kind of plugin creates. */
export interface PluginInstances {
  teacher: Model;
  student: Model;
  loss: Loss;
  augmentation: Augmentation;
  dataset: DatasetSource;
}

export type PluginKind = keyof PluginInstances;
export const PLUGIN_KINDS: readonly PluginKind[] = ['teacher', 'student', 'loss', 'augmentation', 'dataset'];

/** What a plugin's `create` receives besides its options. */
export interface PluginContext {
  /** Run seed (≥ 1), for plugins that draw random numbers. */
  readonly seed?: number;
  /** Shared services (logger, clock, seeded random source, backend, …) of the calling thread. */
  readonly services?: PluginServices;
  /** Where relative paths in the options are resolved from (a config file's folder); default the working directory. */
  readonly baseDir?: string;
}

export interface PluginDefinition<K extends PluginKind, N extends string, O> {
  readonly kind: K;
  readonly name: N;
  readonly description?: string;
  /**
   * Turns untyped options (from a config file) into typed ones, or throws an error naming the
   * option and what was expected. TypeScript callers get the same checks at compile time.
   */
  readonly parseOptions?: (input: unknown) => O;
  /** Or: a schema (zod 4, valibot, … — any Standard Schema) that validates and types the options. */
  readonly options?: StandardSchemaV1<unknown, O>;
  /**
   * Losses only: the loss takes the objective's temperature T as its `temperature` option. The
   * objective fills it in when the loss's own options set none, so a sweep over T reaches every
   * loss that declares this — built-in and third-party alike.
   */
  readonly takesTemperature?: boolean;
  create(options: O, context: PluginContext): PluginInstances[K];
}

export interface Plugin<K extends PluginKind = PluginKind, N extends string = string, O = unknown>
  extends PluginDefinition<K, N, O> {
  readonly apiVersion: number;
}

/** A plugin is a plain object; this stamps it with the API version it was built for. */
export function definePlugin<K extends PluginKind, N extends string, O>(definition: PluginDefinition<K, N, O>): Plugin<K, N, O> {
  return { apiVersion: PLUGIN_API_VERSION, ...definition };
}
