import { createHash } from 'node:crypto';

/** sha256 over typed arrays and strings, hex: stable across runs and machines. */
export function fingerprint(...parts: (ArrayBufferView | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    if (typeof part === 'string') hash.update(part);
    else hash.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    hash.update('\u0000');
  }
  return hash.digest('hex');
}
