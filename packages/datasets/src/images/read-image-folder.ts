import { DistilleryError, InMemoryDataset } from '@distillery/core';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { decodeImage, resizeInto } from './decode-image.js';

export interface ImageFolderReadOptions {
  /** [height, width] every image is resized to. */
  readonly size: readonly [number, number];
  /** 3 (RGB, default) or 1 (grayscale). */
  readonly channels?: 1 | 3;
  /** Skip images that fail to decode (each still reported) instead of refusing the folder. */
  readonly skipUndecodable?: boolean;
}

export interface ImageFolderDataset {
  readonly dataset: InMemoryDataset;
  /** Images skipped under skipUndecodable, with the decoder's reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const SHOWN = 5;

async function list(directory: string, what: string) {
  return readdir(directory, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new DistilleryError('E_DATASET', `${what} ${directory} cannot be read (${error.code ?? error.message})`);
  });
}

/**
 * One subfolder per class (classes: the subfolder names, sorted), PNG and JPEG files in each
 * (other files are ignored). `classes` fixed by the training folder checks a test folder.
 */
export async function readImageFolder(directory: string, options: ImageFolderReadOptions, name: string, classes?: readonly string[]): Promise<ImageFolderDataset> {
  const [height, width] = options.size;
  const channels = options.channels ?? 3;
  const folders = (await list(directory, 'image folder')).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  if (folders.length === 0) throw new DistilleryError('E_DATASET', `${directory}: no class subfolders (expected one folder of images per class)`);
  const classNames = classes ?? folders;
  const files: { path: string; label: number }[] = [];
  for (const folder of folders) {
    const label = classNames.indexOf(folder);
    if (label < 0) {
      throw new DistilleryError('E_DATASET', `${join(directory, folder)}: unknown label ${JSON.stringify(folder)}; the training folder's classes are ${classNames.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    const images = (await list(join(directory, folder), 'class folder')).filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()));
    if (images.length === 0) throw new DistilleryError('E_DATASET', `${join(directory, folder)}: no PNG or JPEG images in this class folder`);
    for (const image of images.map((e) => e.name).sort()) files.push({ path: join(directory, folder, image), label });
  }
  const rowLength = height * width * channels;
  const features = new Float32Array(files.length * rowLength);
  const labels: number[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const { path, label } of files) {
    try {
      resizeInto(decodeImage(await readFile(path)), height, width, channels, features, labels.length * rowLength);
      labels.push(label);
    } catch (error) {
      failed.push({ path, reason: (error as Error).message });
    }
  }
  if (failed.length > 0 && options.skipUndecodable !== true) {
    const shown = failed.slice(0, SHOWN).map((f) => `  ${f.path}: ${f.reason}`);
    const more = failed.length > SHOWN ? [`  … and ${failed.length - SHOWN} more`] : [];
    throw new DistilleryError(
      'E_DATASET',
      [`${directory}: ${failed.length} image(s) could not be decoded (set skipUndecodable: true to skip them):`, ...shown, ...more].join('\n'),
      { details: { paths: failed.map((f) => f.path) } },
    );
  }
  if (labels.length === 0) throw new DistilleryError('E_DATASET', `${directory}: no image could be decoded`);
  const dataset = new InMemoryDataset({
    name,
    inputShape: [height, width, channels],
    numClasses: classNames.length,
    classNames,
    features: features.subarray(0, labels.length * rowLength),
    labels: Int32Array.from(labels),
  });
  return { dataset, skipped: failed };
}
