import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx, loadIdxDataset, loadMnistFamily, parseIdx } from '../src/index.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 3 images of 2×2 with pixel values 0..11 and labels 2, 0, 1. */
const images = encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
const labels = encodeIdx([3], Uint8Array.from([2, 0, 1]));

describe('idx reader', () => {
  it('reads plain and gzipped files into a dataset scaled to [0, 1]', async () => {
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), labels);
    const ds = await loadMnistFamily(dir, 'train', 'toy');
    expect(ds.name).toBe('toy/train');
    expect(ds.size).toBe(3);
    expect(ds.inputShape).toEqual([2, 2, 1]);
    expect([ds.label(0), ds.label(1), ds.label(2)]).toEqual([2, 0, 1]);
    const x = new Float32Array(4);
    ds.copyFeatures([1], x);
    expect(Array.from(x)).toEqual([80, 100, 120, 140].map((v) => Math.fround(v / 255)));
  });

  it('parses dims and data', () => {
    const parsed = parseIdx(images, 'mem');
    expect(parsed.dims).toEqual([3, 2, 2]);
    expect(parsed.data.length).toBe(12);
  });

  it('reports a wrong magic number', () => {
    const bad = Uint8Array.from(images);
    bad[0] = 0x12;
    expect(() => parseIdx(bad, 'x.idx')).toThrow(/x.idx: wrong magic number 0x12000803/);
  });

  it('reports a truncated file, header or data', () => {
    expect(() => parseIdx(images.subarray(0, images.length - 5), 'x.idx')).toThrow(
      'x.idx: truncated idx file: dimensions [3, 2, 2] need 12 data bytes, found 7',
    );
    expect(() => parseIdx(images.subarray(0, 9), 'x.idx')).toThrow(/x.idx: truncated idx header/);
    expect(() => parseIdx(gzipSync(images).subarray(0, 20), 'x.gz')).toThrow(/x.gz: gzip data is corrupt or truncated/);
  });

  it('reports unsupported element types', () => {
    const floats = Uint8Array.from(images);
    floats[2] = 0x0d;
    expect(() => parseIdx(floats, 'f.idx')).toThrow('f.idx: idx data of type float is not supported (the MNIST family uses unsigned bytes)');
  });

  it('reports mismatched image and label counts, and missing files', async () => {
    const imagesPath = join(dir, 'i.idx');
    const labelsPath = join(dir, 'l.idx');
    await writeFile(imagesPath, images);
    await writeFile(labelsPath, encodeIdx([2], Uint8Array.from([1, 1])));
    await expect(loadIdxDataset({ images: imagesPath, labels: labelsPath })).rejects.toThrow(
      `image/label count mismatch: ${imagesPath} holds 3 images but ${labelsPath} holds 2 labels`,
    );
    await expect(loadIdxDataset({ images: join(dir, 'none.idx'), labels: labelsPath })).rejects.toThrow(
      `idx file ${join(dir, 'none.idx')} cannot be read (ENOENT)`,
    );
    await expect(loadMnistFamily(dir, 'test')).rejects.toThrow(`${dir}: neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte exists`);
  });

  it('rejects labels beyond the class count', async () => {
    const imagesPath = join(dir, 'i2.idx');
    const labelsPath = join(dir, 'l2.idx');
    await writeFile(imagesPath, images);
    await writeFile(labelsPath, encodeIdx([3], Uint8Array.from([0, 12, 1])));
    await expect(loadIdxDataset({ images: imagesPath, labels: labelsPath })).rejects.toThrow(`${labelsPath}: label 12 of example 1 is not below numClasses 10`);
  });
});
