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
export { csvPlugin, type CsvDatasetOptions } from './csv/csv-plugin.js';
export { readCsv, type CsvDataset, type CsvSchema } from './csv/read-csv.js';
export { DEFAULT_MISSING_VALUES, MISSING_POLICIES, type CsvColumnOptions, type MissingPolicy } from './csv/csv-columns.js';
export { fileSplitSource, DEFAULT_TEST_FRACTION, type FileSplitOptions } from './file-splits.js';
export { numpyPlugin, type NumpyDatasetOptions } from './numpy/numpy-plugin.js';
export { readNumpy, readNumpyArrays, type NumpyFiles, type NumpyReadOptions } from './numpy/read-numpy.js';
export { imageFolderPlugin, type ImageFolderDatasetOptions } from './images/image-folder-plugin.js';
export { readImageFolder, type ImageFolderReadOptions, type ImageFolderDataset } from './images/read-image-folder.js';
export { decodeImage, resizeInto, type RgbaImage } from './images/decode-image.js';
