import { configError } from './errors.js';

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

/** tfjs treats seed 0 as "unseeded", so Distillery seeds start at 1. */
export function assertSeed(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw configError(field, 'an integer seed in [1, 2147483647] (tfjs treats 0 as unseeded)', value);
  }
}
