import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../src/index.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url));

describe('.npy shards', () => {
  it('are byte-identical to what numpy.save writes (fixtures made by fixtures/make-npy-fixture.py)', async () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
    expect(encodeNpy(a, [2, 3])).toEqual(new Uint8Array(await fixture('float32-2x3.npy')));
    const b = Float32Array.from({ length: 10 }, (_, i) => -3 + (6 * i) / 9);
    const decoded = decodeNpy(new Uint8Array(await fixture('float32-1x10.npy')), 'float32-1x10.npy');
    expect(decoded.shape).toEqual([1, 10]);
    expect(Array.from(decoded.values)).toEqual(Array.from(b));
  });

  it('round-trip, and reject a truncated file with a clear message', () => {
    const values = Float32Array.from([1.5, -2, 3e-7, 4e10]);
    const bytes = encodeNpy(values, [2, 2]);
    expect(Array.from(decodeNpy(bytes, 'x.npy').values)).toEqual(Array.from(values));
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 3), 'x.npy')).toThrow('x.npy: shape (2, 2) needs 16 data bytes, found 13');
    expect(() => decodeNpy(new Uint8Array(20), 'y.npy')).toThrow('y.npy: not a .npy file (bad magic)');
  });
});
