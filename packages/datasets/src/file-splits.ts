import { configError, splitIndices, type Dataset, type DatasetSource } from '@distillery/core';

/**
 * Where a file reader finds its train and test data. A user's data often comes as one file or
 * folder: without `test`, a fixed stratified share of `train` (every class kept) becomes the
 * test split, the same for every run seed, so results stay comparable.
 */
export interface FileSplitOptions<F> {
  readonly train: F;
  readonly test?: F;
  /** Share of `train` held out as the test split when `test` is not given; default 0.2. */
  readonly testFraction?: number;
  /** Seed of that hold-out (≥ 1); default 1. */
  readonly testSeed?: number;
}

export const DEFAULT_TEST_FRACTION = 0.2;

/** The options with `train` and `test` mapped (e.g. relative paths resolved against the config's folder). */
export function mapFiles<F, O extends FileSplitOptions<F>>(options: O, map: (file: F) => F): O {
  return { ...options, train: map(options.train), ...(options.test === undefined ? {} : { test: map(options.test) }) };
}

/**
 * A DatasetSource over a reader. `readTrain` runs once; `readTest` receives what it returned (a
 * test file must use the train file's classes and categories).
 */
export function fileSplitSource<F, R extends { readonly dataset: Dataset }>(
  name: string,
  options: FileSplitOptions<F>,
  readTrain: (file: F) => Promise<R>,
  readTest: (file: F, train: R) => Promise<Dataset>,
): DatasetSource {
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION;
  if (options.test === undefined && !(fraction > 0 && fraction < 1)) throw configError(`${name}.testFraction`, 'a number in (0, 1)', fraction);
  let splits: Promise<{ train: Dataset; test: Dataset }> | undefined;
  const load = async () => {
    const read = await readTrain(options.train);
    const all = read.dataset;
    if (options.test !== undefined) return { train: all, test: await readTest(options.test, read) };
    const count = Math.round(fraction * all.size);
    if (count < 1 || count >= all.size) {
      throw configError(`${name}.testFraction`, `a share that leaves both splits non-empty for ${all.size} examples`, fraction);
    }
    const parts = splitIndices(all, { validationCount: count, labelledFraction: 1, seed: options.testSeed ?? 1 });
    return { train: all.subset(parts.transfer, `${name}/train`), test: all.subset(parts.validation, `${name}/test`) };
  };
  return {
    name,
    load: async (split) => {
      splits ??= load();
      // A failed read is not cached: the next call reports the (possibly fixed) file afresh.
      splits.catch(() => (splits = undefined));
      return (await splits)[split];
    },
  };
}
