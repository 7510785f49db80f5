import { assertPositiveNumber, configError, readOptions } from '@distillery/core';

/** A loss's options over its defaults (see `readOptions`): unknown keys are refused, values unchecked. */
export function readLossOptions<D extends Readonly<Record<string, unknown>>>(loss: string, input: unknown, defaults: D): Record<keyof D, unknown> {
  return readOptions(loss, input, defaults);
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

export { oneOf } from '@distillery/core';

/** Options of a loss whose one option is its temperature (kd, soft-ce, ls-kd). */
export function parseTemperatureOptions(loss: string, input: unknown, defaults: { readonly temperature: number }): { temperature: number } {
  const options = readLossOptions(loss, input, defaults);
  return { temperature: positiveNumber(`${loss}.temperature`, options.temperature) };
}
