import type { Dataset } from '@distillery/core';

/** Every feature value of a dataset, in order. */
export function allFeatures(ds: Dataset): number[] {
  const out = new Float32Array(ds.size * ds.inputShape.reduce((a, b) => a * b, 1));
  ds.copyFeatures(Array.from({ length: ds.size }, (_, i) => i), out);
  return Array.from(out);
}

/** One array of feature values per example. */
export function featureRows(ds: Dataset): number[][] {
  const width = ds.inputShape.reduce((a, b) => a * b, 1);
  const values = allFeatures(ds);
  return Array.from({ length: ds.size }, (_, r) => values.slice(r * width, (r + 1) * width));
}

export const labelsOf = (ds: Dataset): number[] => Array.from({ length: ds.size }, (_, i) => ds.label(i));
