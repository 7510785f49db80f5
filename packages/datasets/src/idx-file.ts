import { DistilleryError } from '@distillery/core';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** The idx format (LeCun's MNIST files): magic [0, 0, type, ndims], big-endian int32 dims, data. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

export async function readIdxFile(path: string): Promise<IdxArray> {
  const raw = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new DistilleryError('E_DATASET', `idx file ${path} cannot be read (${error.code ?? error.message})`);
  });
  return parseIdx(raw, path);
}

/** Parses idx bytes (gzip-compressed or not, recognised by content, not by name). */
export function parseIdx(raw: Uint8Array, source: string): IdxArray {
  let bytes = raw;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new DistilleryError('E_DATASET', `${source}: gzip data is corrupt or truncated (${(error as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new DistilleryError('E_DATASET', `${source}: truncated idx file (${bytes.length} bytes, no header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || TYPE_NAMES[type] === undefined || ndims === 0) {
    const magic = view.getUint32(0).toString(16).padStart(8, '0');
    throw new DistilleryError(
      'E_DATASET',
      `${source}: wrong magic number 0x${magic}; an idx file starts with 0x0000 then a type byte (0x08 for bytes) and the number of dimensions`,
    );
  }
  if (type !== UNSIGNED_BYTE) {
    throw new DistilleryError('E_DATASET', `${source}: idx data of type ${TYPE_NAMES[type]} is not supported (the MNIST family uses unsigned bytes)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DistilleryError('E_DATASET', `${source}: truncated idx header (${bytes.length} bytes, needs ${headerBytes} for ${ndims} dimensions)`);
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getInt32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DistilleryError(
      'E_DATASET',
      `${source}: truncated idx file: dimensions [${dims.join(', ')}] need ${expected} data bytes, found ${actual}`,
    );
  }
  if (actual > expected) {
    throw new DistilleryError('E_DATASET', `${source}: ${actual - expected} unexpected bytes after the data of dimensions [${dims.join(', ')}]`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Builds idx bytes (used by tests and by anyone exporting data in this format). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, UNSIGNED_BYTE);
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setInt32(4 + 4 * i, d));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}
