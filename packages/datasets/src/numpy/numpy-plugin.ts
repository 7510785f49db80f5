import { configError, definePlugin } from '@distillery/core';
import { resolve } from 'node:path';
import { fileSplitSource, mapFiles, type FileSplitOptions } from '../file-splits.js';
import { checkFileSplits, objectOptions, optionalString, optionalStrings } from '../option-checks.js';
import { readNumpy, type NumpyFiles, type NumpyReadOptions } from './read-numpy.js';

export type NumpyDatasetOptions = FileSplitOptions<NumpyFiles> & NumpyReadOptions;

function checkFiles(field: string, value: unknown): void {
  const files = value as Record<string, unknown> | undefined;
  if (typeof files !== 'object' || files === null) throw configError(field, '{ features: <.npy>, labels: <.npy> } or { npz: <.npz>, features?, labels? }', value);
  if ('npz' in files) optionalString(`${field}.npz`, files.npz);
  else if (typeof files.features !== 'string' || typeof files.labels !== 'string') {
    throw configError(field, '{ features: <.npy>, labels: <.npy> } or { npz: <.npz>, features?, labels? }', value);
  }
  optionalString(`${field}.features`, files.features);
  optionalString(`${field}.labels`, files.labels);
}

function parseNumpyOptions(input: unknown): NumpyDatasetOptions {
  const options = objectOptions<NumpyDatasetOptions>('numpy', input, ['numClasses', 'classNames']);
  checkFileSplits('numpy', options, checkFiles);
  const k = options.numClasses;
  if (k !== undefined && (!Number.isInteger(k) || k < 2)) throw configError('numpy.numClasses', 'an integer ≥ 2', k);
  optionalStrings('numpy.classNames', options.classNames);
  return options;
}

/** NumPy arrays: .npy pairs or .npz archives of features [n, ...] and integer labels [n]. */
export const numpyPlugin = definePlugin({
  kind: 'dataset',
  name: 'numpy',
  description: 'NumPy .npy/.npz arrays: features [n, ...] of any numeric dtype, integer labels [n]',
  parseOptions: parseNumpyOptions,
  create: (given, context) => {
    const at = (path: string) => resolve(context.baseDir ?? '.', path);
    // In an archive, `features` and `labels` name arrays, not files.
    const options = mapFiles(given, (files): NumpyFiles => ('npz' in files ? { ...files, npz: at(files.npz) } : { features: at(files.features), labels: at(files.labels) }));
    return fileSplitSource(
      'numpy',
      options,
      async (files) => ({ dataset: await readNumpy(files, options, 'numpy/train') }),
      // The test split uses the training split's class count: a label beyond it is an error.
      (files, train) => readNumpy(files, { ...options, numClasses: train.dataset.numClasses }, 'numpy/test'),
    );
  },
});
