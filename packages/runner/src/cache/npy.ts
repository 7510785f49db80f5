import { DistilleryError } from '@distillery/core';

/**
 * NumPy's .npy format (version 1.0) for float32 matrices, so a cache shard opens with
 * `numpy.load('shard-00000.npy')` and no Distillery at all.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function encodeNpy(values: Float32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // .npy data is little-endian; so is every platform Node runs on.
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + header.length);
  return out;
}

export function decodeNpy(bytes: Uint8Array, source: string): { values: Float32Array; shape: number[] } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DistilleryError('E_DATASET', `${source}: not a .npy file (bad magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False")) {
    throw new DistilleryError('E_DATASET', `${source}: expected little-endian float32 in C order, header is ${header.trim()}`);
  }
  const shapeText = /'shape': \(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new DistilleryError('E_DATASET', `${source}: .npy header has no shape`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = 10 + headerLength;
  if (bytes.length - dataStart !== count * 4) {
    throw new DistilleryError('E_DATASET', `${source}: shape (${shape.join(', ')}) needs ${count * 4} data bytes, found ${bytes.length - dataStart}`);
  }
  const values = new Float32Array(count);
  new Uint8Array(values.buffer).set(bytes.subarray(dataStart));
  return { values, shape };
}
