import { PluginRegistry, encodeNpy } from '@distillery/core';
import { zipSync } from 'fflate';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNumpy, registerDatasets } from '../src/index.js';
import { allFeatures, labelsOf } from './dataset-values.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A .npy file of any descr (for dtypes encodeNpy does not write). */
function npyOf(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat((64 - ((11 + header.length) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

const int64 = (values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);

describe('numpy reader', () => {
  it('reads a .npy pair: float32 images [n, h, w, c] and int64 labels (numpy’s default)', async () => {
    const features = await file('x.npy', encodeNpy(Float32Array.from({ length: 8 }, (_, i) => i / 8), [2, 2, 2, 1]));
    const labels = await file('y.npy', npyOf('<i8', [2], int64([1, 0])));
    const ds = await readNumpy({ features, labels }, {}, 'pair');
    expect(ds.inputShape).toEqual([2, 2, 1]);
    expect(ds.numClasses).toBe(2);
    expect(labelsOf(ds)).toEqual([1, 0]);
    expect(allFeatures(ds)).toEqual(Array.from({ length: 8 }, (_, i) => i / 8));
  });

  it('reads the .npz archives numpy.savez and savez_compressed write', async () => {
    const train = await readNumpy({ npz: fixture('stored.npz'), features: 'x_train', labels: 'y_train' }, {}, 't');
    expect([train.size, ...train.inputShape, train.numClasses]).toEqual([4, 3, 3]);
    expect(allFeatures(train)).toEqual(Array.from({ length: 12 }, (_, i) => i / 4));
    expect(labelsOf(train)).toEqual([0, 2, 1, 2]);
    const compressed = await readNumpy({ npz: fixture('compressed.npz') }, { classNames: ['a', 'b', 'c'] }, 'c');
    expect(labelsOf(compressed)).toEqual([0, 2, 1, 2]);
    expect(compressed.classNames).toEqual(['a', 'b', 'c']);
  });

  it('reads an archive zipped here (deflated) and names a missing array', async () => {
    const npz = await file('made.npz', zipSync({ 'f.npy': encodeNpy(Float32Array.from([1, 2, 3]), [3]), 'l.npy': encodeNpy(Int32Array.from([0, 1, 1]), [3]) }));
    const ds = await readNumpy({ npz, features: 'f', labels: 'l' }, {}, 'z');
    expect([ds.inputShape, allFeatures(ds)]).toEqual([[1], [1, 2, 3]]);
    await expect(readNumpy({ npz }, {}, 'z')).rejects.toThrow(`${npz}: no array named "x"; the archive holds "f", "l"`);
    const notZip = await file('broken.npz', new Uint8Array([1, 2, 3, 4]));
    await expect(readNumpy({ npz: notZip }, {}, 'z')).rejects.toThrow(`${notZip}: not a readable .npz (zip) archive`);
  });

  it('refuses a wrong dtype for labels or features, with the file and the dtype', async () => {
    const features = await file('f.npy', encodeNpy(Float32Array.from([1, 2]), [2, 1]));
    const floatLabels = await file('float-labels.npy', encodeNpy(Float32Array.from([0, 1]), [2]));
    await expect(readNumpy({ features, labels: floatLabels }, {}, 'x')).rejects.toThrow(
      `${floatLabels}: labels must have an integer dtype, got float32 (save labels.astype(numpy.int64))`,
    );
    const labels = await file('l.npy', encodeNpy(Int32Array.from([0, 1]), [2]));
    const complex = await file('complex.npy', npyOf('<c8', [2, 1], new Uint8Array(16)));
    await expect(readNumpy({ features: complex, labels }, {}, 'x')).rejects.toThrow(
      `${complex}: dtype '<c8' is not supported (expected float32, float64, (u)int8–64 or bool, little-endian; convert with array.astype(numpy.float32))`,
    );
  });

  it('refuses mismatched counts, NaN features and labels outside the classes', async () => {
    const labels = await file('l3.npy', encodeNpy(Int32Array.from([0, 1, 1]), [3]));
    const two = await file('f2.npy', encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2]));
    await expect(readNumpy({ features: two, labels }, {}, 'x')).rejects.toThrow(
      `${two}: features of shape (2, 2) do not match 3 labels in ${labels}; the first axis counts examples`,
    );
    const nan = await file('nan.npy', encodeNpy(Float32Array.from([1, 2, 3, Number.NaN, 5, 6]), [3, 2]));
    await expect(readNumpy({ features: nan, labels }, {}, 'x')).rejects.toThrow(
      `${nan}: value NaN (example 1, position 1) is not finite; fill in or drop missing values first`,
    );
    const three = await file('f3.npy', encodeNpy(Float32Array.from([1, 2, 3]), [3, 1]));
    await expect(readNumpy({ features: three, labels }, { numClasses: 2 }, 'x')).resolves.toBeDefined();
    const wide = await file('l-wide.npy', encodeNpy(Int32Array.from([0, 5, 1]), [3]));
    await expect(readNumpy({ features: three, labels: wide }, { numClasses: 3 }, 'x')).rejects.toThrow(`${wide}: unknown label 5 at example 1; the classes are 0 … 2`);
  });
});

describe('numpy dataset plugin', () => {
  const registry = registerDatasets(new PluginRegistry());

  it('is created by name; the test split keeps the training split’s classes', async () => {
    const source = registry.create('dataset', 'numpy', {
      train: { npz: fixture('stored.npz'), features: 'x_train', labels: 'y_train' },
      test: { npz: fixture('stored.npz'), features: 'x_test', labels: 'y_test' },
    });
    const test = await source.load('test');
    // y_test is [0, 2]: numClasses is 3 from the training labels, not 3 = max + 1 by chance.
    expect([test.size, test.numClasses, ...labelsOf(test)]).toEqual([2, 3, 0, 2]);
    expect(allFeatures(test).slice(0, 3)).toEqual([10, 10.25, 10.5]);
  });

  it('rejects malformed options by name', () => {
    expect(() => registry.create('dataset', 'numpy', { train: { features: 'x.npy' } } as never)).toThrow(
      'numpy.train: expected { features: <.npy>, labels: <.npy> } or { npz: <.npz>, features?, labels? }, got object',
    );
    expect(() => registry.create('dataset', 'numpy', { train: { npz: 'a.npz' }, numClasses: 1 })).toThrow('numpy.numClasses: expected an integer ≥ 2, got 1');
  });
});
