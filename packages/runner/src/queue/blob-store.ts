import { DistilleryError } from '@distillery/core';
import type { Redis } from 'ioredis';
import { createHash } from 'node:crypto';

/** Chunks stay well under Redis' 512 MB value limit and keep one GET short. */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Refreshed on every put: a sweep's blobs outlive it by weeks, then Redis frees them. */
const BLOB_TTL_SECONDS = 30 * 24 * 3600;
export const BLOB_PREFIX = 'distillery:blob:';

/** Bytes in Redis by content: the sha256 of the whole and of each chunk, in order (plain JSON, fits in a job). */
export interface BlobAddress {
  readonly sha256: string;
  readonly chunks: ReadonlyArray<{ readonly sha256: string; readonly bytes: number }>;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Stores bytes as content-addressed chunks: a chunk already there is not written again. */
export async function putBlob(client: Redis, bytes: Uint8Array, chunkBytes = CHUNK_BYTES): Promise<BlobAddress> {
  const chunks: Array<{ sha256: string; bytes: number }> = [];
  const count = Math.max(1, Math.ceil(bytes.byteLength / chunkBytes));
  for (let i = 0; i < count; i += 1) {
    const chunk = bytes.subarray(i * chunkBytes, Math.min((i + 1) * chunkBytes, bytes.byteLength));
    const id = sha256(chunk);
    // NX: the same content is never rewritten; EXPIRE keeps it alive while sweeps use it.
    const stored = await client.set(`${BLOB_PREFIX}${id}`, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), 'EX', BLOB_TTL_SECONDS, 'NX');
    if (stored === null) await client.expire(`${BLOB_PREFIX}${id}`, BLOB_TTL_SECONDS);
    chunks.push({ sha256: id, bytes: chunk.byteLength });
  }
  return { sha256: sha256(bytes), chunks };
}

/** Reads a blob back, each chunk and the whole checked against its sha256; `what` names it in errors. */
export async function readBlob(client: Redis, address: BlobAddress, what: string): Promise<Uint8Array> {
  const total = address.chunks.reduce((n, c) => n + c.bytes, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of address.chunks) {
    const bytes = await client.getBuffer(`${BLOB_PREFIX}${chunk.sha256}`);
    if (bytes === null) {
      throw new DistilleryError(
        'E_QUEUE',
        `${what} chunk ${chunk.sha256.slice(0, 12)}… is not in Redis (flushed, expired or evicted: Redis needs maxmemory-policy noeviction); run the command again to re-upload it`,
      );
    }
    if (bytes.byteLength !== chunk.bytes || sha256(bytes) !== chunk.sha256) {
      throw new DistilleryError('E_QUEUE', `${what} chunk ${chunk.sha256.slice(0, 12)}… read from Redis does not match its checksum (${bytes.byteLength} bytes)`);
    }
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  if (sha256(out) !== address.sha256) throw new DistilleryError('E_QUEUE', `${what} ${address.sha256.slice(0, 12)}… assembled from Redis does not match its checksum`);
  return out;
}
