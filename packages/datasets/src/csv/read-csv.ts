import { DistilleryError, InMemoryDataset } from '@distillery/core';
import { parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DEFAULT_MISSING_VALUES, defaultDelimiter, resolveColumns, sortValues, type CsvColumnOptions, type FeatureColumn } from './csv-columns.js';
import { growableFloat32, growableInt32 } from './growable.js';

/** What the training file fixes for every file read after it: categories, classes, fill-in values. */
export interface CsvSchema {
  readonly classes: readonly string[];
  /** The feature columns, by name, in feature order: a test file may order its columns differently. */
  readonly columns: readonly string[];
  /** Per feature column (in feature order): its categories, or undefined for a numeric column. */
  readonly categories: readonly (readonly string[] | undefined)[];
  /** Per feature column: the value a missing cell gets under `missing: mean` (a category index for categorical columns). */
  readonly fill: readonly number[];
  /** Names of the encoded features: `age`, `color=red`, `color=blue`, … */
  readonly featureNames: readonly string[];
}

/** A CSV/TSV file read as a dataset; `schema` is what a test file must share. */
export interface CsvDataset {
  readonly dataset: InMemoryDataset;
  readonly schema: CsvSchema;
  /** Rows left out under `missing: drop`. */
  readonly dropped: number;
}

/** Thrown from inside the scan with the exact place of a bad cell. */
function cellError(file: string, line: number, column: FeatureColumn | { name: string; column: number }, problem: string): DistilleryError {
  return new DistilleryError('E_DATASET', `${file} line ${line}, column ${column.column} (${column.name}): ${problem}`, {
    details: { file, line, column: column.column },
  });
}

const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

/**
 * Reads a CSV/TSV file (plain or .gz) in one streaming pass. Without `schema` (the training
 * file) categories and classes are collected as they come and sorted at the end; with it (a
 * test file) a value outside the schema is an error naming its line and column.
 */
export async function readCsv(file: string, options: CsvColumnOptions, schema?: CsvSchema): Promise<CsvDataset> {
  const missingValues = new Set(options.missingValues ?? DEFAULT_MISSING_VALUES);
  const policy = options.missing ?? 'error';
  const parser = parse({
    delimiter: options.delimiter ?? defaultDelimiter(file),
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    bom: true,
    from_line: (options.skipLines ?? 0) + 1,
  });
  const input = createReadStream(file);
  input.on('error', (error: NodeJS.ErrnoException) => parser.destroy(new DistilleryError('E_DATASET', `${file} cannot be read (${error.code ?? error.message})`)));
  (file.endsWith('.gz') ? input.pipe(createGunzip()).on('error', (e) => parser.destroy(new DistilleryError('E_DATASET', `${file}: gzip data is corrupt (${e.message})`))) : input).pipe(parser);

  let header: string[] | undefined;
  let columns: { label: number; features: FeatureColumn[] } | undefined;
  // Categorical and label values as ids in order of first appearance (train) or schema order (test).
  let ids: Map<string, number>[] = [];
  let classIds = new Map<string, number>();
  const values = growableFloat32(); // rows × features; NaN marks a missing cell
  const labels = growableInt32();
  let dropped = 0;
  const fixedClasses = schema?.classes ?? options.classes;
  if (fixedClasses !== undefined) classIds = new Map(fixedClasses.map((c, i) => [c, i]));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (header === undefined) {
        const named = options.header !== false;
        header = named ? record.map((h) => h.trim()) : record.map((_, i) => String(i + 1));
        columns = resolveColumns(file, header, schema === undefined ? options : { ...options, features: schema.columns });
        ids = columns.features.map((f, k) => new Map((schema?.categories[k] ?? []).map((c, i) => [c, i])));
        if (named) continue;
      }
      if (record.length !== header.length) {
        throw new DistilleryError('E_DATASET', `${file} line ${line}: ${record.length} fields, but the header has ${header.length} columns`, {
          details: { file, line },
        });
      }
      const start = values.length;
      let missingInRow = false;
      const labelCell = record[columns!.label]!.trim();
      const labelColumn = { name: options.label, column: columns!.label + 1 };
      if (missingValues.has(labelCell)) {
        if (policy !== 'drop') throw cellError(file, line, labelColumn, `missing label (a row without a label is dropped only with missing: 'drop')`);
        dropped += 1;
        continue;
      }
      let label = classIds.get(labelCell);
      if (label === undefined) {
        if (fixedClasses !== undefined) throw cellError(file, line, labelColumn, `unknown label ${JSON.stringify(labelCell)}; the classes are ${quoted(fixedClasses)}`);
        label = classIds.size;
        classIds.set(labelCell, label);
      }
      for (const [k, feature] of columns!.features.entries()) {
        const cell = record[feature.column - 1]!.trim();
        if (missingValues.has(cell)) {
          if (policy === 'error') {
            throw cellError(file, line, feature, `missing value ${JSON.stringify(cell)} (missing: 'error'; use missing: 'drop' to skip such rows or 'mean' to fill in the training file's mean)`);
          }
          missingInRow = true;
          values.push(Number.NaN);
        } else if (feature.kind === 'numeric') {
          const value = Number(cell);
          if (!Number.isFinite(value)) {
            throw cellError(file, line, feature, `expected a number, got ${JSON.stringify(cell)} (list the column in categorical if it holds categories)`);
          }
          values.push(value);
        } else {
          let id = ids[k]!.get(cell);
          if (id === undefined) {
            if (schema !== undefined) throw cellError(file, line, feature, `unknown category ${JSON.stringify(cell)}; the training file's categories are ${quoted(schema.categories[k]!)}`);
            id = ids[k]!.size;
            ids[k]!.set(cell, id);
          }
          values.push(id);
        }
      }
      if (missingInRow && policy === 'drop') {
        values.truncate(start);
        dropped += 1;
        continue;
      }
      labels.push(label);
    }
  } catch (error) {
    throw asDatasetError(file, error);
  }
  if (header === undefined || labels.length === 0) throw new DistilleryError('E_DATASET', `${file}: no data rows${header === undefined ? ' (not even a header)' : ' after the header'}`);
  const features = columns!.features;
  const fitted = schema ?? fitSchema(features, ids, classIds, values.view(), labels.view(), fixedClasses);
  return { dataset: encode(file, fitted, features, values.view(), labels.view(), ids, classIds, schema === undefined), schema: fitted, dropped };
}

function asDatasetError(file: string, error: unknown): unknown {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'DistilleryError') return error;
  // csv-parse's CsvError: its message names the line already (e.g. an unclosed quote).
  if (typeof e.code === 'string' && e.code.startsWith('CSV_')) return new DistilleryError('E_DATASET', `${file}: ${e.message}`, { cause: error });
  return error;
}

/** Sorted categories and classes, and the fill-in values (means, modes) of the training file. */
function fitSchema(
  features: readonly FeatureColumn[],
  ids: readonly Map<string, number>[],
  classIds: Map<string, number>,
  values: Float32Array,
  labels: Int32Array,
  fixedClasses: readonly string[] | undefined,
): CsvSchema {
  const width = features.length;
  const rows = labels.length;
  const categories = features.map((f, k) => (f.kind === 'categorical' ? sortValues(ids[k]!.keys()) : undefined));
  const fill = features.map((f, k) => {
    const counts = new Map<number, number>();
    let sum = 0;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * width + k]!;
      if (Number.isNaN(v)) continue;
      sum += v;
      n += 1;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (f.kind === 'numeric') return n === 0 ? 0 : sum / n;
    // The most frequent category, as an index into the sorted categories.
    const byId = [...ids[k]!.entries()].sort((a, b) => (counts.get(b[1]) ?? 0) - (counts.get(a[1]) ?? 0) || (a[0] < b[0] ? -1 : 1));
    return byId.length === 0 ? 0 : categories[k]!.indexOf(byId[0]![0]);
  });
  const featureNames = features.flatMap((f, k) => (categories[k] === undefined ? [f.name] : categories[k].map((c) => `${f.name}=${c}`)));
  return { classes: fixedClasses ?? sortValues(classIds.keys()), columns: features.map((f) => f.name), categories, fill, featureNames };
}

/** Numeric values as they are, categories one-hot, missing cells filled; labels in class order. */
function encode(
  file: string,
  schema: CsvSchema,
  features: readonly FeatureColumn[],
  values: Float32Array,
  labels: Int32Array,
  ids: readonly Map<string, number>[],
  classIds: Map<string, number>,
  remap: boolean,
): InMemoryDataset {
  const rows = labels.length;
  const width = features.length;
  // First-appearance ids → sorted positions (the identity for a test file, read in schema order).
  const categoryOf = features.map((_, k) => {
    const table = new Int32Array(ids[k]!.size);
    for (const [value, id] of ids[k]!) table[id] = remap ? schema.categories[k]!.indexOf(value) : id;
    return table;
  });
  const classOf = new Int32Array(classIds.size);
  for (const [value, id] of classIds) classOf[id] = schema.classes.indexOf(value);
  const out = new Float32Array(rows * schema.featureNames.length);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < width; k++) {
      let v = values[r * width + k]!;
      const cats = schema.categories[k];
      if (Number.isNaN(v)) v = schema.fill[k]!;
      else if (cats !== undefined) v = categoryOf[k]![v]!;
      if (cats === undefined) out[at++] = v;
      else {
        out[at + v] = 1;
        at += cats.length;
      }
    }
  }
  return new InMemoryDataset({
    name: file,
    inputShape: [schema.featureNames.length],
    numClasses: schema.classes.length,
    classNames: schema.classes,
    features: out,
    labels: Int32Array.from(labels, (l) => classOf[l]!),
  });
}
