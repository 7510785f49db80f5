import { DistilleryError, configError } from './errors.js';
import { closestName } from './plugins/plugin-registry.js';

/** Small runtime checks that turn bad input into one clear error naming the field. */
export function assertPositiveInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw configError(field, 'a positive integer', value);
  }
}

export function assertNonNegativeInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw configError(field, 'a non-negative integer', value);
  }
}

export function assertPositiveNumber(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw configError(field, 'a positive finite number', value);
  }
}

export function assertInRange(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw configError(field, `a number in [${min}, ${max}]`, value);
  }
}

/** A string among `allowed`, or an error listing them. */
export function oneOf<const T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw configError(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** tfjs treats seed 0 as "unseeded", so Distillery seeds start at 1. */
export function assertSeed(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw configError(field, 'an integer seed in [1, 2147483647] (tfjs treats 0 as unseeded)', value);
  }
}

/**
 * Reads a plugin's options from untyped input (a config file, or a TypeScript caller): an object
 * whose keys are all known, merged over the defaults; `undefined` means "all defaults". An
 * unknown key is an error naming it and the known ones. The values are still unchecked: each
 * plugin checks its own, naming `plugin.option`.
 */
export function readOptions<D extends Readonly<Record<string, unknown>>>(plugin: string, input: unknown, defaults: D): Record<keyof D, unknown> {
  if (input === undefined) return { ...defaults };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw configError(plugin, 'an options object', input);
  }
  const known = Object.keys(defaults);
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    if (!known.includes(key)) {
      throw new DistilleryError(
        'E_CONFIG',
        `${plugin}.${key}: unknown option; ${plugin} takes ${known.length > 0 ? known.join(', ') : 'no options'}`,
        { details: { field: `${plugin}.${key}`, known } },
      );
    }
    if (value !== undefined) merged[key] = value;
  }
  return merged as Record<keyof D, unknown>;
}

/**
 * Every key of an options type, as an object the compiler holds complete: a key added to the
 * type and not here fails the type check, so the list `checkCallOptions` knows cannot fall behind.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * The options of a public call, from a caller the compiler may not check (plain JavaScript): an
 * object, none of its keys unknown — a typo (`worker: 2`, `seed: [1]`) is an error naming the
 * closest known key, not a setting silently ignored — and the required ones given.
 */
export function checkCallOptions<T>(call: string, input: unknown, keys: OptionKeys<T>, required: readonly (keyof T & string)[] = []): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw configError(call, 'an options object', input);
  const known = Object.keys(keys);
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const closest = closestName(key, known);
    throw new DistilleryError(
      'E_CONFIG',
      `${call}: unknown option "${key}"${closest === undefined ? '' : ` (did you mean "${closest}"?)`}; it takes ${known.join(', ')}`,
      { details: { field: `${call}.${key}`, known, ...(closest === undefined ? {} : { closest }) } },
    );
  }
  const missing = required.filter((key) => (input as Record<string, unknown>)[key] === undefined);
  if (missing.length > 0) {
    throw new DistilleryError('E_CONFIG', `${call}: ${missing.map((k) => `"${k}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required`, { details: { missing } });
  }
}
