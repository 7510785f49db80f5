import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, parseNpy } from '../src/index.js';

/** Fixtures written by numpy (fixtures/make-npy-fixture.py). */
// Node Buffers as readFile gives them (views into a shared pool), as the readers will see them.
const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url));

describe('.npy codec', () => {
  it('writes bytes identical to numpy.save and reads what numpy wrote', async () => {
    const a = Float32Array.from({ length: 6 }, (_, i) => i * 0.5 - 1);
    expect(encodeNpy(a, [2, 3])).toEqual(new Uint8Array(await fixture('float32-2x3.npy')));
    const b = Float32Array.from({ length: 10 }, (_, i) => -3 + (6 * i) / 9);
    const decoded = decodeNpy(await fixture('float32-1x10.npy'), 'float32-1x10.npy');
    expect(decoded.shape).toEqual([1, 10]);
    expect(Array.from(decoded.values)).toEqual(Array.from(b));
  });

  it('round-trip, and reject a truncated file with a clear message', () => {
    const values = Float32Array.from([1.5, -2, 3e-7, 4e10]);
    const bytes = encodeNpy(values, [2, 2]);
    expect(Array.from(decodeNpy(bytes, 'x.npy').values)).toEqual(Array.from(values));
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 3), 'x.npy')).toThrow('x.npy: shape (2, 2) of float32 needs 16 data bytes, found 13');
    expect(() => decodeNpy(new Uint8Array(20), 'y.npy')).toThrow('y.npy: not a .npy file (bad magic)');
    const ints = parseNpy(encodeNpy(Int32Array.from([4, -1]), [2]), 'i.npy');
    expect([ints.dtype, [...ints.shape], Array.from(ints.data)]).toEqual(['int32', [2], [4, -1]]);
  });

  it('reads the dtypes numpy writes by default and for images: int64, float64, uint8, bool, scalars, version 2.0', async () => {
    const labels = parseNpy(await fixture('int64-labels.npy'), 'int64-labels.npy');
    expect(labels.dtype).toBe('int64');
    expect(Array.from(labels.data)).toEqual([0, 2, 1, 2, 9_007_199_254_740_991]);
    const f64 = parseNpy(await fixture('float64-3x2.npy'), 'f');
    expect([f64.dtype, [...f64.shape], Array.from(f64.data)]).toEqual(['float64', [3, 2], [0.1, -2.5, 1e-300, 3, 7.25, 8]]);
    const u8 = parseNpy(await fixture('uint8-2x2x1.npy'), 'u');
    expect([u8.dtype, [...u8.shape], Array.from(u8.data)]).toEqual(['uint8', [2, 2, 1], [0, 255, 128, 7]]);
    expect(Array.from(parseNpy(await fixture('bool-3.npy'), 'b').data)).toEqual([1, 0, 1]);
    const scalar = parseNpy(await fixture('scalar-f4.npy'), 's');
    expect([[...scalar.shape], Array.from(scalar.data)]).toEqual([[], [2.5]]);
    const v2 = parseNpy(await fixture('version2-int32.npy'), 'v2');
    expect([v2.dtype, Array.from(v2.data)]).toEqual(['int32', [3, -4, 5]]);
  });

  it('refuses big-endian, string and Fortran-order arrays and names the dtype', async () => {
    expect(() => parseNpy(new Uint8Array(0), 'empty.npy')).toThrow('empty.npy: not a .npy file (bad magic)');
    await expect(fixture('big-endian.npy').then((b) => parseNpy(b, 'big-endian.npy'))).rejects.toThrow(
      "big-endian.npy: dtype '>f4' is not supported (expected float32, float64, (u)int8–64 or bool, little-endian; convert with array.astype(numpy.float32))",
    );
    await expect(fixture('strings.npy').then((b) => parseNpy(b, 'strings.npy'))).rejects.toThrow("strings.npy: dtype '<U2' is not supported");
    await expect(fixture('fortran.npy').then((b) => parseNpy(b, 'fortran.npy'))).rejects.toThrow(
      'fortran.npy: arrays in Fortran order are not supported (save numpy.ascontiguousarray(array) instead)',
    );
    await expect(fixture('float64-3x2.npy').then((b) => decodeNpy(b, 'f.npy'))).rejects.toThrow("f.npy: expected float32 ('<f4'), got float64");
  });
});
