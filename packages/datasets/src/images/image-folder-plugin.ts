import { configError, definePlugin } from '@distillery/core';
import { resolve } from 'node:path';
import { fileSplitSource, mapFiles, type FileSplitOptions } from '../file-splits.js';
import { checkFileSplits, objectOptions, optionalBoolean, optionalString } from '../option-checks.js';
import { readImageFolder, type ImageFolderReadOptions } from './read-image-folder.js';

export type ImageFolderDatasetOptions = FileSplitOptions<string> & ImageFolderReadOptions;

function parseImageFolderOptions(input: unknown): ImageFolderDatasetOptions {
  const options = objectOptions<ImageFolderDatasetOptions>('image-folder', input, ['size', 'channels', 'skipUndecodable']);
  checkFileSplits('image-folder', options, optionalString);
  const size = options.size as unknown;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw configError('image-folder.size', '[height, width] in pixels', size);
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    throw configError('image-folder.channels', '1 (grayscale) or 3 (RGB)', options.channels);
  }
  optionalBoolean('image-folder.skipUndecodable', options.skipUndecodable);
  return options;
}

/** Folders of PNG/JPEG images, one subfolder per class, resized to one size, RGB or grayscale. */
export const imageFolderPlugin = definePlugin({
  kind: 'dataset',
  name: 'image-folder',
  description: 'PNG/JPEG images in one subfolder per class, resized to `size`, RGB or grayscale',
  parseOptions: parseImageFolderOptions,
  create: (given, context) => {
    const options = mapFiles(given, (directory: string) => resolve(context.baseDir ?? '.', directory));
    const report = (read: Awaited<ReturnType<typeof readImageFolder>>) => {
      for (const { path, reason } of read.skipped) context.services?.logger.warn(`image-folder: skipped ${path} (${reason})`);
      return read;
    };
    return fileSplitSource(
      'image-folder',
      options,
      async (directory) => report(await readImageFolder(directory, options, 'image-folder/train')),
      async (directory, train) => report(await readImageFolder(directory, options, 'image-folder/test', train.dataset.classNames)).dataset,
    );
  },
});
