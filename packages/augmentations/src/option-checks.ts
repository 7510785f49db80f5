import { configError } from '@distillery/core';

/** Checks shared by several augmentations; each names `augmentation.option` in its error. */
export function finiteNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw configError(field, 'a finite number', value);
  return value;
}

