import { configError, definePlugin } from '@distillery/core';
import { resolve } from 'node:path';
import { fileSplitSource, mapFiles, type FileSplitOptions } from '../file-splits.js';
import { checkFileSplits, objectOptions, optionalBoolean, optionalChoice, optionalString, optionalStrings } from '../option-checks.js';
import { MISSING_POLICIES, type CsvColumnOptions } from './csv-columns.js';
import { readCsv } from './read-csv.js';

/** A table per split (or one table, with a stratified test share held out), read the same way. */
export type CsvDatasetOptions = FileSplitOptions<string> & CsvColumnOptions;

function parseCsvOptions(input: unknown): CsvDatasetOptions {
  const options = objectOptions<CsvDatasetOptions>('csv', input, [
    'label', 'delimiter', 'header', 'skipLines', 'features', 'categorical', 'ignore', 'missing', 'missingValues', 'classes',
  ]);
  checkFileSplits('csv', options, optionalString);
  if (typeof options.label !== 'string' || options.label === '') {
    throw configError('csv.label', 'the name of the label column', options.label);
  }
  optionalString('csv.delimiter', options.delimiter);
  optionalBoolean('csv.header', options.header);
  if (options.skipLines !== undefined && (!Number.isInteger(options.skipLines) || options.skipLines < 0)) throw configError('csv.skipLines', 'an integer ≥ 0', options.skipLines);
  for (const key of ['features', 'categorical', 'ignore', 'missingValues', 'classes'] as const) optionalStrings(`csv.${key}`, options[key]);
  optionalChoice('csv.missing', options.missing, MISSING_POLICIES);
  return options;
}

/**
 * CSV/TSV tables: a header row, the label column by name, numeric features as they are,
 * categorical ones one-hot, missing cells refused unless a policy says otherwise. The test
 * table is encoded with the training table's categories and classes.
 */
export const csvPlugin = definePlugin({
  kind: 'dataset',
  name: 'csv',
  description: 'CSV/TSV tables with a header: label column by name, numeric and one-hot categorical features',
  parseOptions: parseCsvOptions,
  create: (given, context) => {
    const options = mapFiles(given, (file: string) => resolve(context.baseDir ?? '.', file));
    return fileSplitSource(
      'csv',
      options,
      (file) => readCsv(file, options),
      async (file, train) => (await readCsv(file, options, train.schema)).dataset,
    );
  },
});
