import { DistilleryError, InMemoryDataset, parseNpy, type NpyArray } from '@distillery/core';
import { unzipSync } from 'fflate';
import { readFile } from 'node:fs/promises';

/** Features and labels of one split: two .npy files, or two arrays of one .npz archive. */
export type NumpyFiles =
  | { readonly features: string; readonly labels: string }
  | {
      readonly npz: string;
      /** Array names inside the archive (np.savez's keywords); default `x` and `y`. */
      readonly features?: string;
      readonly labels?: string;
    };

export interface NumpyReadOptions {
  /** Default: the largest training label + 1. */
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
}

const INTEGER_DTYPES = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool']);

async function readBytes(file: string): Promise<Uint8Array> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new DistilleryError('E_DATASET', `${file} cannot be read (${error.code ?? error.message})`);
  });
}

/** The named .npy members of a .npz archive (a zip, stored or deflated). */
function unpackNpz(file: string, bytes: Uint8Array, names: readonly string[]): Map<string, Uint8Array> {
  const present: string[] = [];
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        present.push(entry.name.replace(/\.npy$/, ''));
        return names.includes(entry.name.replace(/\.npy$/, ''));
      },
    });
  } catch (error) {
    throw new DistilleryError('E_DATASET', `${file}: not a readable .npz (zip) archive (${(error as Error).message})`);
  }
  const out = new Map<string, Uint8Array>();
  for (const name of names) {
    const member = entries[`${name}.npy`] ?? entries[name];
    if (member === undefined) {
      throw new DistilleryError('E_DATASET', `${file}: no array named ${JSON.stringify(name)}; the archive holds ${present.map((p) => JSON.stringify(p)).join(', ') || 'nothing'}`);
    }
    out.set(name, member);
  }
  return out;
}

/** Reads the two arrays, each named for errors as `file` or `file[name]`. */
export async function readNumpyArrays(files: NumpyFiles): Promise<{ features: NpyArray; labels: NpyArray; where: { features: string; labels: string } }> {
  if ('npz' in files) {
    const featuresName = files.features ?? 'x';
    const labelsName = files.labels ?? 'y';
    const members = unpackNpz(files.npz, await readBytes(files.npz), [featuresName, labelsName]);
    const where = { features: `${files.npz}[${featuresName}]`, labels: `${files.npz}[${labelsName}]` };
    return { features: parseNpy(members.get(featuresName)!, where.features), labels: parseNpy(members.get(labelsName)!, where.labels), where };
  }
  const [features, labels] = await Promise.all([readBytes(files.features), readBytes(files.labels)]);
  return { features: parseNpy(features, files.features), labels: parseNpy(labels, files.labels), where: { features: files.features, labels: files.labels } };
}

/**
 * A dataset of the arrays: features [n, ...shape] of any numeric dtype (as float32), labels [n]
 * (or [n, 1]) of an integer dtype. `numClasses` fixed by the training split checks the test split.
 */
export async function readNumpy(files: NumpyFiles, options: NumpyReadOptions, name: string): Promise<InMemoryDataset> {
  const { features, labels, where } = await readNumpyArrays(files);
  if (!INTEGER_DTYPES.has(labels.dtype)) {
    throw new DistilleryError('E_DATASET', `${where.labels}: labels must have an integer dtype, got ${labels.dtype} (save labels.astype(numpy.int64))`);
  }
  const n = labels.shape[0];
  if (n === undefined || labels.shape.length > 2 || (labels.shape.length === 2 && labels.shape[1] !== 1)) {
    throw new DistilleryError('E_DATASET', `${where.labels}: labels must have shape (n,) or (n, 1), got (${labels.shape.join(', ')})`);
  }
  if (features.shape.length === 0 || features.shape[0] !== n) {
    throw new DistilleryError('E_DATASET', `${where.features}: features of shape (${features.shape.join(', ')}) do not match ${n} labels in ${where.labels}; the first axis counts examples`);
  }
  const values = Float32Array.from(features.data as ArrayLike<number>);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  const rowLength = Math.max(1, values.length / Math.max(1, n));
  if (bad >= 0) {
    throw new DistilleryError('E_DATASET', `${where.features}: value ${values[bad]} (example ${Math.floor(bad / rowLength)}, position ${bad % rowLength}) is not finite; fill in or drop missing values first`);
  }
  const labelValues = Int32Array.from(labels.data as ArrayLike<number>);
  const max = labelValues.reduce((m, l) => Math.max(m, l), -1);
  const numClasses = options.numClasses ?? options.classNames?.length ?? max + 1;
  const outside = labelValues.findIndex((l) => l < 0 || l >= numClasses);
  if (outside >= 0) {
    throw new DistilleryError('E_DATASET', `${where.labels}: unknown label ${labelValues[outside]} at example ${outside}; the classes are 0 … ${numClasses - 1}`);
  }
  return new InMemoryDataset({
    name,
    inputShape: features.shape.length === 1 ? [1] : features.shape.slice(1),
    numClasses,
    ...(options.classNames === undefined ? {} : { classNames: options.classNames }),
    features: values,
    labels: labelValues,
  });
}
