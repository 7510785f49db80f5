import { configError, readOptions } from '@distillery/core';
import { DEFAULT_TEST_FRACTION, type FileSplitOptions } from './file-splits.js';

const FILE_SPLIT_KEYS = ['train', 'test', 'testFraction', 'testSeed'] as const;

/**
 * Option checks shared by the file readers; each names `reader.option` in its error. `keys` are
 * the reader's own options beside the file-split ones: any other key is refused (a misspelt
 * option would otherwise be silently ignored).
 */
export function objectOptions<T>(name: string, input: unknown, keys: readonly string[]): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw configError(`${name} options`, 'an object', input);
  readOptions(name, input, Object.fromEntries([...FILE_SPLIT_KEYS, ...keys].map((k) => [k, undefined])));
  return input as T;
}

export function optionalString(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw configError(field, 'a non-empty string', value);
}

export function optionalStrings(field: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))) throw configError(field, 'a list of strings', value);
}

export function optionalChoice(field: string, value: unknown, choices: readonly string[]): void {
  if (value !== undefined && !choices.includes(value as string)) throw configError(field, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
}

export function optionalBoolean(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw configError(field, 'true or false', value);
}

/** train (required), test, testFraction in (0, 1), testSeed ≥ 1; `checkFile` checks one train/test entry. */
export function checkFileSplits(name: string, options: FileSplitOptions<unknown>, checkFile: (field: string, value: unknown) => void): void {
  if (options.train === undefined) throw configError(`${name}.train`, 'the training file', undefined);
  checkFile(`${name}.train`, options.train);
  if (options.test !== undefined) checkFile(`${name}.test`, options.test);
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw configError(`${name}.testFraction`, 'a number in (0, 1)', fraction);
  const seed = options.testSeed;
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 1)) throw configError(`${name}.testSeed`, 'an integer ≥ 1', seed);
}
