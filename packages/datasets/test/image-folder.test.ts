import { PluginRegistry, setupBackend, tf, type Logger } from '@distillery/core';
import jpeg from 'jpeg-js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, readImageFolder, registerDatasets, resizeInto } from '../src/index.js';
import { allFeatures, labelsOf } from './dataset-values.js';

let dir = '';
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'distillery-images-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A PNG of width × height whose pixel (x, y) is rgb(x, y). */
function png(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      image.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(image);
}

function solidJpeg(size: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) data.set([...rgb, 255], i * 4);
  return jpeg.encode({ data, width: size, height: size }, 100).data;
}

async function put(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, bytes);
}


describe('image resizing', () => {
  it('gives the closed form of bilinear sampling at pixel centres', () => {
    const row = { width: 4, height: 1, data: Uint8Array.from([0, 100, 200, 255].flatMap((v) => [v, v, v, 255])) };
    const out = new Float32Array(2);
    resizeInto(row, 1, 2, 1, out, 0);
    // Output pixel centres fall at source x = 0.5 and 2.5: (0 + 100) / 2 and (200 + 255) / 2; luma of grey = grey.
    expect(out[0]).toBeCloseTo(50 / 255, 6);
    expect(out[1]).toBeCloseTo(227.5 / 255, 6);
  });

  it('matches tf.image.resizeBilinear (half-pixel centres) down and up', () => {
    const width = 7;
    const height = 5;
    const data = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37 + 11) % 256);
    for (const [h, w] of [
      [3, 4],
      [9, 11],
    ] as const) {
      const ours = new Float32Array(h * w * 3);
      resizeInto({ width, height, data }, h, w, 3, ours, 0);
      const rgb = Float32Array.from({ length: width * height * 3 }, (_, i) => data[Math.floor(i / 3) * 4 + (i % 3)]! / 255);
      const theirs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(rgb, [height, width, 3]), [h, w], false, true).dataSync());
      for (let i = 0; i < ours.length; i++) expect(ours[i]).toBeCloseTo(theirs[i]!, 5);
    }
  });

  it('decodes PNG and JPEG by content, and says what else is not', () => {
    const decoded = decodeImage(png(2, 1, (x) => [x * 200, 0, 50]));
    expect([decoded.width, decoded.height, ...decoded.data]).toEqual([2, 1, 0, 0, 50, 255, 200, 0, 50, 255]);
    const j = decodeImage(solidJpeg(8, [200, 40, 90]));
    expect(Math.abs(j.data[0]! - 200)).toBeLessThanOrEqual(3);
    expect(() => decodeImage(new TextEncoder().encode('hello'))).toThrow('neither a PNG nor a JPEG (unrecognised first bytes)');
  });
});

describe('image-folder reader', () => {
  it('reads one subfolder per class, resized, RGB or grayscale, ignoring other files', async () => {
    const root = join(dir, 'pets');
    await put(join(root, 'dog', 'a.png'), png(2, 2, () => [255, 0, 0]));
    await put(join(root, 'cat', 'b.PNG'), png(4, 4, (x) => (x < 2 ? [0, 0, 0] : [0, 255, 0])));
    await put(join(root, 'cat', 'c.jpg'), solidJpeg(8, [0, 0, 255]));
    await put(join(root, 'cat', 'notes.txt'), 'not an image');
    const rgb = (await readImageFolder(root, { size: [1, 1] }, 'pets')).dataset;
    expect(rgb.classNames).toEqual(['cat', 'dog']);
    expect(rgb.inputShape).toEqual([1, 1, 3]);
    expect(labelsOf(rgb)).toEqual([0, 0, 1]);
    const values = allFeatures(rgb);
    // b.PNG shrunk to one pixel samples the centre (x = 1.5): half black, half green.
    expect(values.slice(0, 3).map((v) => Math.round(v * 255))).toEqual([0, 128, 0]);
    expect(values[5]).toBeGreaterThan(0.98); // the JPEG's blue
    expect(values.slice(6)).toEqual([1, 0, 0]);
    const grey = (await readImageFolder(root, { size: [2, 2], channels: 1 }, 'pets')).dataset;
    expect(grey.inputShape).toEqual([2, 2, 1]);
    expect(allFeatures(grey).slice(8)).toEqual(new Array(4).fill(Math.fround(0.299)));
  });

  it('reports undecodable images with their paths, and skips them only when asked', async () => {
    const root = join(dir, 'broken');
    await put(join(root, 'a', 'ok.png'), png(2, 2, () => [10, 10, 10]));
    await put(join(root, 'a', 'bad.png'), 'garbage');
    await put(join(root, 'b', 'ok.png'), png(2, 2, () => [20, 20, 20]));
    await put(join(root, 'b', 'truncated.png'), png(8, 8, () => [1, 2, 3]).subarray(0, 40));
    const failure = readImageFolder(root, { size: [2, 2] }, 'broken');
    await expect(failure).rejects.toThrow(`${root}: 2 image(s) could not be decoded (set skipUndecodable: true to skip them):\n  ${join(root, 'a', 'bad.png')}: neither a PNG nor a JPEG`);
    await expect(failure).rejects.toThrow(`\n  ${join(root, 'b', 'truncated.png')}: `);
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m) };
    const registry = registerDatasets(new PluginRegistry());
    const source = registry.create('dataset', 'image-folder', { train: root, test: root, size: [2, 2], skipUndecodable: true }, { services: { logger } as never });
    const train = await source.load('train');
    expect([train.size, ...labelsOf(train)]).toEqual([2, 0, 1]);
    expect(warnings[0]).toBe(`image-folder: skipped ${join(root, 'a', 'bad.png')} (neither a PNG nor a JPEG (unrecognised first bytes))`);
    expect(warnings).toHaveLength(4);
  });

  it('refuses a test folder with a class the training folder lacks, and folders without classes or images', async () => {
    const train = join(dir, 'tr');
    const test = join(dir, 'te');
    await put(join(train, 'x', '1.png'), png(1, 1, () => [0, 0, 0]));
    await put(join(train, 'y', '1.png'), png(1, 1, () => [9, 9, 9]));
    await put(join(test, 'z', '1.png'), png(1, 1, () => [0, 0, 0]));
    const registry = registerDatasets(new PluginRegistry());
    const source = registry.create('dataset', 'image-folder', { train, test, size: [1, 1] });
    await expect(source.load('test')).rejects.toThrow(`${join(test, 'z')}: unknown label "z"; the training folder's classes are "x", "y"`);
    await mkdir(join(dir, 'flat'), { recursive: true });
    await expect(readImageFolder(join(dir, 'flat'), { size: [1, 1] }, 'f')).rejects.toThrow(`${join(dir, 'flat')}: no class subfolders (expected one folder of images per class)`);
    await put(join(dir, 'noimg', 'c', 'readme.md'), '#');
    await expect(readImageFolder(join(dir, 'noimg'), { size: [1, 1] }, 'f')).rejects.toThrow(`${join(dir, 'noimg', 'c')}: no PNG or JPEG images in this class folder`);
    await expect(readImageFolder(join(dir, 'absent'), { size: [1, 1] }, 'f')).rejects.toThrow(`image folder ${join(dir, 'absent')} cannot be read (ENOENT)`);
    expect(() => registry.create('dataset', 'image-folder', { train, size: [0, 2] as never })).toThrow('image-folder.size: expected [height, width] in pixels, got an array of length 2');
  });
});
