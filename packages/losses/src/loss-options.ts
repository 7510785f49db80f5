import { DistilleryError, assertPositiveNumber, configError } from '@distillery/core';

/**
 * Reads a loss's options from untyped input (a config file, or a TypeScript caller): an object
 * whose keys are all known, merged over the defaults. `undefined` means "all defaults".
 * The values are still unchecked; each loss checks its own with the assertions below.
 */
export function readLossOptions<D extends Readonly<Record<string, unknown>>>(loss: string, input: unknown, defaults: D): Record<keyof D, unknown> {
  if (input === undefined) return { ...defaults };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw configError(loss, 'an options object', input);
  }
  const known = Object.keys(defaults);
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    if (!known.includes(key)) {
      throw new DistilleryError(
        'E_CONFIG',
        `${loss}.${key}: unknown option; ${loss} takes ${known.length > 0 ? known.join(', ') : 'no options'}`,
        { details: { field: `${loss}.${key}`, known } },
      );
    }
    if (value !== undefined) merged[key] = value;
  }
  return merged as Record<keyof D, unknown>;
}

export function positiveNumber(field: string, value: unknown): number {
  assertPositiveNumber(field, value);
  return value;
}

export function nonNegativeNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw configError(field, 'a finite number ≥ 0', value);
  return value;
}

export function nonNegativeInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw configError(field, 'an integer ≥ 0', value);
  return value;
}

export function oneOf<const T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw configError(field, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** Options of a loss whose one option is its temperature (kd, soft-ce, ls-kd). */
export function parseTemperatureOptions(loss: string, input: unknown, defaults: { readonly temperature: number }): { temperature: number } {
  const options = readLossOptions(loss, input, defaults);
  return { temperature: positiveNumber(`${loss}.temperature`, options.temperature) };
}
