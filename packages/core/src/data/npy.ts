import { DistilleryError } from '../errors.js';

/**
 * NumPy's .npy format: the logit cache writes its shards in it (so they open with `numpy.load`)
 * and the numpy dataset reader reads users' arrays from it. Version 1.0 is written; 1.0, 2.0
 * and 3.0 headers are read.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /** The values in C order; 64-bit integers are converted to numbers (exact below 2^53). */
  readonly data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | number[];
}

/** Little-endian (or byte-order-free) descr → dtype and bytes per value. */
const DESCRS: Record<string, { dtype: NpyDtype; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '|i1': { dtype: 'int8', bytes: 1 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<i2': { dtype: 'int16', bytes: 2 },
  '<u2': { dtype: 'uint16', bytes: 2 },
  '<i4': { dtype: 'int32', bytes: 4 },
  '<u4': { dtype: 'uint32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 },
  '<u8': { dtype: 'uint64', bytes: 8 },
  '|b1': { dtype: 'bool', bytes: 1 },
};

const SUPPORTED = 'float32, float64, (u)int8–64 or bool, little-endian';

export function encodeNpy(values: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const descr = values instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
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

/** Any supported .npy array; `source` names the file in errors. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DistilleryError('E_DATASET', `${source}: not a .npy file (bad magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DistilleryError('E_DATASET', `${source}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0 are)`);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw new DistilleryError('E_DATASET', `${source}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DistilleryError('E_DATASET', `${source}: .npy header lacks descr, fortran_order or shape: ${header.trim()}`);
  }
  const type = DESCRS[descr === '<b1' ? '|b1' : descr.replace(/^=/, '<')];
  if (type === undefined) {
    throw new DistilleryError('E_DATASET', `${source}: dtype '${descr}' is not supported (expected ${SUPPORTED}; convert with array.astype(numpy.float32))`);
  }
  if (fortran === 'True') {
    throw new DistilleryError('E_DATASET', `${source}: arrays in Fortran order are not supported (save numpy.ascontiguousarray(array) instead)`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart !== count * type.bytes) {
    throw new DistilleryError(
      'E_DATASET',
      `${source}: shape (${shape.join(', ')}) of ${type.dtype} needs ${count * type.bytes} data bytes, found ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer: the data offset need not be a multiple of the value size.
  // (Not bytes.slice: on a Node Buffer that is a view, whose .buffer is the whole pool.)
  const buffer = new Uint8Array(bytes.subarray(dataStart)).buffer;
  return { dtype: type.dtype, shape, data: typedView(type.dtype, buffer, count) };
}

function typedView(dtype: NpyDtype, buffer: ArrayBuffer, count: number): NpyArray['data'] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
    case 'int8':
      return new Int8Array(buffer, 0, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, 0, count);
    case 'int16':
      return new Int16Array(buffer, 0, count);
    case 'uint16':
      return new Uint16Array(buffer, 0, count);
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'uint32':
      return new Uint32Array(buffer, 0, count);
    case 'int64':
      return Array.from(new BigInt64Array(buffer, 0, count), Number);
    case 'uint64':
      return Array.from(new BigUint64Array(buffer, 0, count), Number);
  }
}

/** A float32 .npy matrix (what the logit cache stores), refusing any other dtype. */
export function decodeNpy(bytes: Uint8Array, source: string): { values: Float32Array; shape: number[] } {
  const array = parseNpy(bytes, source);
  if (array.dtype !== 'float32') throw new DistilleryError('E_DATASET', `${source}: expected float32 ('<f4'), got ${array.dtype}`);
  return { values: array.data as Float32Array, shape: [...array.shape] };
}
