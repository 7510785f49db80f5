import { DistilleryError, configError } from './errors.js';

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
