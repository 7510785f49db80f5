import { DistilleryError } from '@distillery/core';
import type { Redis } from 'ioredis';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogitCache, type LogitCacheKey } from '../cache/logit-cache.js';
import { writeAtomically } from '../fs/write-atomically.js';
import { CHUNK_BYTES, putBlob, readBlob, sha256, type BlobAddress } from './blob-store.js';

/**
 * Where a worker finds the teacher's logits, as plain JSON for a job: the sha256 of the whole
 * float32 array (little-endian, as every supported platform stores it) and of each chunk in
 * Redis, and the logit-cache entry they came from, for workers that can read that folder.
 */
export interface LogitsAddress extends BlobAddress {
  readonly numExamples: number;
  readonly numClasses: number;
  readonly cache?: { readonly root: string; readonly key: LogitCacheKey };
}

const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** Stores the logits as content-addressed chunks (a chunk already there is not sent again). */
export async function putLogits(
  client: Redis,
  logits: { readonly values: Float32Array; readonly numClasses: number },
  options: { readonly cache?: LogitsAddress['cache']; readonly chunkBytes?: number } = {},
): Promise<LogitsAddress> {
  const { cache, chunkBytes = CHUNK_BYTES } = options;
  const blob = await putBlob(client, bytesOf(logits.values), chunkBytes);
  return {
    ...blob,
    numExamples: logits.values.length / logits.numClasses,
    numClasses: logits.numClasses,
    ...(cache === undefined ? {} : { cache }),
  };
}

export type LogitsSource = 'memory' | 'local' | 'cache' | 'redis';

/**
 * Fetches logits once per worker process: from memory, from the worker's own folder, from the
 * shared logit cache when this machine sees it, else from Redis (each chunk and the whole
 * checked against its sha256), then kept in the worker's folder for the next job and restart.
 */
export class LogitFetcher {
  private readonly inFlight = new Map<string, Promise<{ values: Float32Array; source: LogitsSource }>>();
  /** Bytes read from Redis by this fetcher (what a second job on this worker does not pay). */
  redisBytes = 0;

  constructor(
    private readonly client: Redis,
    readonly directory: string,
  ) {}

  async fetch(address: LogitsAddress): Promise<{ values: Float32Array; source: LogitsSource }> {
    const known = this.inFlight.get(address.sha256);
    if (known !== undefined) return { values: (await known).values, source: 'memory' };
    const loading = this.load(address);
    this.inFlight.set(address.sha256, loading);
    // A failed fetch is not remembered: the next job tries again.
    loading.catch(() => this.inFlight.delete(address.sha256));
    return loading;
  }

  private async load(address: LogitsAddress): Promise<{ values: Float32Array; source: LogitsSource }> {
    const file = join(this.directory, `${address.sha256}.f32`);
    const local = await readFile(file).catch(() => undefined);
    if (local !== undefined && sha256(local) === address.sha256) return { values: toFloat32(local), source: 'local' };
    const cached = await this.fromCache(address);
    if (cached !== undefined) return { values: cached, source: 'cache' };
    const values = await this.fromRedis(address);
    await mkdir(this.directory, { recursive: true });
    await writeAtomically(file, bytesOf(values));
    return { values, source: 'redis' };
  }

  private async fromCache(address: LogitsAddress): Promise<Float32Array | undefined> {
    if (address.cache === undefined) return undefined;
    const entry = await new LogitCache(address.cache.root).open(address.cache.key).catch(() => undefined);
    if (entry === undefined || entry.missing.length > 0) return undefined;
    // The folder is someone else's: use it only if it holds exactly these logits.
    return sha256(bytesOf(entry.logits)) === address.sha256 ? entry.logits : undefined;
  }

  private async fromRedis(address: LogitsAddress): Promise<Float32Array> {
    const total = address.chunks.reduce((n, c) => n + c.bytes, 0);
    if (total !== address.numExamples * address.numClasses * 4) {
      throw new DistilleryError('E_QUEUE', `teacher logits ${address.sha256.slice(0, 12)}…: chunks hold ${total} bytes, ${address.numExamples} × ${address.numClasses} float32 need ${address.numExamples * address.numClasses * 4}`);
    }
    const out = await readBlob(this.client, address, 'teacher logits');
    this.redisBytes += out.byteLength;
    return toFloat32(out);
  }
}

function toFloat32(bytes: Uint8Array): Float32Array {
  // A copy into a fresh, aligned buffer (a Buffer from a pool may start at any offset).
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
