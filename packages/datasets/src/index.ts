export { readIdxFile, parseIdx, encodeIdx, type IdxArray } from './idx-file.js';
export { loadIdxDataset, loadMnistFamily, FASHION_MNIST_DIR, type IdxDatasetOptions } from './idx-dataset.js';
export { loadEmbeddedMnist, embeddedMnistSplit } from './embedded-mnist.js';
export {
  datasetPlugins,
  embeddedMnistPlugin,
  fashionMnistPlugin,
  idxFilesPlugin,
  registerDatasets,
  type LimitOptions,
  type MnistFamilyOptions,
  type IdxFilesOptions,
} from './dataset-plugins.js';
