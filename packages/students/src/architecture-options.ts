import { configError, readOptions } from '@distillery/core';
import { CNN_OPTION_KEYS, type CnnOptions } from './cnn.js';
import { MLP_OPTION_KEYS, type MlpOptions } from './mlp.js';

/** Options of the MLP plugins: the builder's, with the seed optional (the run seed is the default). */
export type MlpPluginOptions = Omit<MlpOptions, 'seed'> & { readonly seed?: number };
export type CnnPluginOptions = Omit<CnnOptions, 'seed'> & { readonly seed?: number };

/** The builders' options, none defaulted here: `readOptions` refuses any other key. */
const noDefaults = (keys: object): Record<string, undefined> => Object.fromEntries(Object.keys(keys).map((k) => [k, undefined]));
const MLP_KEYS = noDefaults(MLP_OPTION_KEYS);
const CNN_KEYS = noDefaults(CNN_OPTION_KEYS);

/**
 * The options of an MLP plugin (`mlp` student or teacher): unknown keys are refused, and the
 * list options are checked here, so a config's `hidden: "32"` is named, not a TypeError. The
 * numbers inside are checked by `createMlp`. `hidden` may be left out where a default exists.
 */
export function parseMlpPluginOptions(plugin: string, input: unknown, hiddenDefault?: readonly number[]): MlpPluginOptions {
  const options = definedOnly(readOptions(plugin, input, MLP_KEYS));
  const hidden = options['hidden'] ?? hiddenDefault;
  if (hidden === undefined) throw configError(`${plugin}.hidden`, 'a list of hidden-layer widths, e.g. [32] (required)', undefined);
  checkWidths(`${plugin}.hidden`, hidden, true);
  checkName(plugin, options['name']);
  return { ...options, hidden } as unknown as MlpPluginOptions;
}

/** The options of a CNN plugin; see `parseMlpPluginOptions`. */
export function parseCnnPluginOptions(plugin: string, input: unknown, defaults: { filters?: readonly number[] } = {}): CnnPluginOptions {
  const options = definedOnly(readOptions(plugin, input, CNN_KEYS));
  const filters = options['filters'] ?? defaults.filters;
  if (filters === undefined) throw configError(`${plugin}.filters`, 'a list of conv-block filter counts, e.g. [16, 32] (required)', undefined);
  checkWidths(`${plugin}.filters`, filters, false);
  if (options['dense'] !== undefined) checkWidths(`${plugin}.dense`, options['dense'], true);
  checkName(plugin, options['name']);
  return { ...options, filters } as unknown as CnnPluginOptions;
}

function definedOnly(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function checkWidths(field: string, value: unknown, mayBeEmpty: boolean): void {
  const expected = `a list of positive integers${mayBeEmpty ? '' : ' (at least one)'}, e.g. [32]`;
  if (!Array.isArray(value) || (!mayBeEmpty && value.length === 0)) throw configError(field, expected, value);
  value.forEach((width, i) => {
    if (typeof width !== 'number' || !Number.isInteger(width) || width < 1) throw configError(`${field}[${i}]`, 'a positive integer', width);
  });
}

function checkName(plugin: string, name: unknown): void {
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw configError(`${plugin}.name`, 'a non-empty string', name);
}
