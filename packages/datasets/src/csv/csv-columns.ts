import { DistilleryError } from '@distillery/core';

export type MissingPolicy = 'error' | 'drop' | 'mean';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['error', 'drop', 'mean'];

/** Cells read as "no value" (compared after trimming spaces). */
export const DEFAULT_MISSING_VALUES: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', '?'];

/** How to read a table: which column is the label, which are features and how. */
export interface CsvColumnOptions {
  /** Name of the label column (a header cell). */
  readonly label: string;
  /** Field delimiter; default a tab for .tsv/.tab files, else a comma. */
  readonly delimiter?: string;
  /** Whether the first (unskipped) line names the columns; default true. Without a header, columns are named by position: "1", "2", … */
  readonly header?: boolean;
  /** Lines to skip at the top of the file, before the header (e.g. a line of counts). Default 0. */
  readonly skipLines?: number;
  /** Feature columns, by name; default every column but the label and `ignore`. */
  readonly features?: readonly string[];
  /** Feature columns holding categories, one-hot encoded (categories: the training file's values, sorted). */
  readonly categorical?: readonly string[];
  /** Columns to leave out (ids, free text). */
  readonly ignore?: readonly string[];
  /** What a missing cell does: `error` (default), `drop` the row, or `mean` (numeric: the training file's mean; categorical: its most frequent category). */
  readonly missing?: MissingPolicy;
  /** Cells that count as missing; default DEFAULT_MISSING_VALUES. */
  readonly missingValues?: readonly string[];
  /** The label values in class order; default the training file's values, sorted (numerically when all are numbers). */
  readonly classes?: readonly string[];
}

/** One feature column of the file: where it is, and how it is encoded. */
export interface FeatureColumn {
  readonly name: string;
  /** 1-based position in the header (for error messages). */
  readonly column: number;
  readonly kind: 'numeric' | 'categorical';
}

/** Resolves the columns named in the options against a file's header, or says which name is missing. */
export function resolveColumns(file: string, header: readonly string[], options: CsvColumnOptions): { label: number; features: FeatureColumn[] } {
  const position = new Map<string, number>();
  header.forEach((name, i) => {
    if (position.has(name)) throw new DistilleryError('E_DATASET', `${file}: the header names column ${JSON.stringify(name)} twice (columns ${position.get(name)! + 1} and ${i + 1})`);
    position.set(name, i);
  });
  const find = (name: string, role: string) => {
    const at = position.get(name);
    if (at === undefined) {
      throw new DistilleryError('E_DATASET', `${file}: no column named ${JSON.stringify(name)} (${role}); the header has ${header.map((h) => JSON.stringify(h)).join(', ')}`);
    }
    return at;
  };
  const label = find(options.label, 'label');
  for (const name of options.ignore ?? []) find(name, 'ignore');
  const categorical = new Set(options.categorical ?? []);
  for (const name of categorical) find(name, 'categorical');
  const ignored = new Set([...(options.ignore ?? []), options.label]);
  const names = options.features ?? header.filter((name) => !ignored.has(name));
  const features = names.map((name): FeatureColumn => {
    if (name === options.label) throw new DistilleryError('E_DATASET', `${file}: column ${JSON.stringify(name)} is the label; it cannot also be a feature`);
    return { name, column: find(name, 'feature') + 1, kind: categorical.has(name) ? 'categorical' : 'numeric' };
  });
  if (features.length === 0) throw new DistilleryError('E_DATASET', `${file}: no feature columns left besides the label ${JSON.stringify(options.label)}`);
  return { label, features };
}

/** The default delimiter of a file: tab-separated by extension, else comma-separated. */
export function defaultDelimiter(file: string): string {
  return /\.(tsv|tab)(\.gz)?$/i.test(file) ? '\t' : ',';
}

/** Sorts values numerically when every one is a number, else by code point (stable across locales). */
export function sortValues(values: Iterable<string>): string[] {
  const list = [...values];
  const numeric = list.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
