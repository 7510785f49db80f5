/**
 * Options of known plugins, by kind and name, for compile-time checking of
 * `registry.create(kind, name, options)`. A plugin package adds its own by declaration merging:
 *
 *   declare module '@distillery/core' {
 *     interface LossPluginOptions { jsd: JsdOptions }
 *   }
 *
 * Names not listed here still work at run time (options are then checked by the plugin only).
 */
/* eslint-disable @typescript-eslint/no-empty-object-type -- filled by declaration merging */
export interface TeacherPluginOptions {}
export interface StudentPluginOptions {}
export interface LossPluginOptions {}
export interface AugmentationPluginOptions {}
export interface DatasetPluginOptions {}
/* eslint-enable @typescript-eslint/no-empty-object-type */

export interface PluginOptionsByKind {
  teacher: TeacherPluginOptions;
  student: StudentPluginOptions;
  loss: LossPluginOptions;
  augmentation: AugmentationPluginOptions;
  dataset: DatasetPluginOptions;
}

/** Names of the plugins of a kind known to the type system. */
export type KnownPluginName<K extends keyof PluginOptionsByKind> = Extract<keyof PluginOptionsByKind[K], string>;

/** The options of a known plugin; `unknown` for a name the type system does not know. */
export type PluginOptionsOf<K extends keyof PluginOptionsByKind, N extends string> = N extends keyof PluginOptionsByKind[K]
  ? PluginOptionsByKind[K][N]
  : unknown;
