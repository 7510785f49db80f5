import { DistilleryError, InMemoryDataset } from '@distillery/core';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readIdxFile } from './idx-file.js';

export interface IdxDatasetOptions {
  readonly images: string;
  readonly labels: string;
  readonly name?: string;
  /** Default 10 (the MNIST family). */
  readonly numClasses?: number;
}

/** An image/label pair of idx files as a dataset of [rows, cols, 1] images scaled to [0, 1]. */
export async function loadIdxDataset(options: IdxDatasetOptions): Promise<InMemoryDataset> {
  const [images, labels] = await Promise.all([readIdxFile(options.images), readIdxFile(options.labels)]);
  if (images.dims.length !== 3) {
    throw new DistilleryError('E_DATASET', `${options.images}: expected images of 3 dimensions [count, rows, cols], got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DistilleryError('E_DATASET', `${options.labels}: expected labels of 1 dimension [count], got [${labels.dims.join(', ')}]`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DistilleryError(
      'E_DATASET',
      `image/label count mismatch: ${options.images} holds ${count} images but ${options.labels} holds ${labels.dims[0]} labels`,
    );
  }
  const numClasses = options.numClasses ?? 10;
  const features = new Float32Array(images.data.length);
  for (let i = 0; i < features.length; i++) features[i] = images.data[i]! / 255;
  const labelValues = Int32Array.from(labels.data);
  const bad = labelValues.findIndex((l) => l >= numClasses);
  if (bad >= 0) {
    throw new DistilleryError('E_DATASET', `${options.labels}: label ${labelValues[bad]} of example ${bad} is not below numClasses ${numClasses}`);
  }
  return new InMemoryDataset({ name: options.name ?? 'idx', inputShape: [rows, cols, 1], numClasses, features, labels: labelValues });
}

/** Standard file names of the MNIST family (MNIST, Fashion-MNIST, KMNIST). */
const MNIST_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Loads `train` or `test` from a folder of MNIST-family idx files (gzipped or not). */
export async function loadMnistFamily(directory: string, split: 'train' | 'test', name = 'mnist-family'): Promise<InMemoryDataset> {
  const [imagesBase, labelsBase] = MNIST_FILES[split];
  const images = await findFile(directory, imagesBase);
  const labels = await findFile(directory, labelsBase);
  return loadIdxDataset({ images, labels, name: `${name}/${split}` });
}

async function findFile(directory: string, base: string): Promise<string> {
  for (const candidate of [`${base}.gz`, base]) {
    const path = join(directory, candidate);
    if (await access(path).then(() => true, () => false)) return path;
  }
  throw new DistilleryError('E_DATASET', `${directory}: neither ${base}.gz nor ${base} exists`);
}
