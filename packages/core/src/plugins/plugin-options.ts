/**
 * Options of known plugins, by kind and name, for compile-time checking of
 * `registry.create(kind, name, options)`. A plugin package adds its own by declaration merging:
 *
 *   declare module '@distillery/core' {
 *     interface LossPluginOptions { jsd: JsdOptions }
 *   }
 *
 * A name written as a literal must be one of these (a misspelt `'kdd'` is a compile error that
 * lists the known names); a name only known at run time (a `string` read from a config file)
 * is checked by the registry when it is looked up.
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

/**
 * The type a plugin-name parameter accepts: a known name, or any value of the wide type `string`
 * (names from config files, checked at run time). A literal that is not a known name resolves to
 * the union of known names, so the compiler's error lists them.
 */
export type PluginNameArg<K extends keyof PluginOptionsByKind, N extends string> = string extends N
  ? N
  : N extends KnownPluginName<K>
    ? N
    : KnownPluginName<K>;
