import { DistilleryError, decodeNpy, encodeNpy, fingerprint } from '@distillery/core';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../fs/write-atomically.js';
import { FolderLock } from '../lock/folder-lock.js';

export const DISTILLERY_VERSION = '0.1.0';
const FORMAT = 'distillery-logit-cache';
const FORMAT_VERSION = 1;

/** What a cached set of logits belongs to: change any of these and it is a different entry. */
export interface LogitCacheKey {
  readonly teacherFingerprint: string;
  readonly datasetFingerprint: string;
  /** Seed of the augmentation the teacher saw, if any. */
  readonly augmentationSeed?: number;
  readonly numExamples: number;
  readonly numClasses: number;
}

export interface ShardRecord {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly sha256: string;
}

export interface LogitCacheManifest extends LogitCacheKey {
  readonly format: typeof FORMAT;
  readonly formatVersion: number;
  readonly distilleryVersion: string;
  readonly dtype: 'float32';
  readonly shards: readonly ShardRecord[];
  readonly complete: boolean;
}

/** The verified state of an entry: logits of the good shards filled in, the rest to compute. */
export interface CacheEntryState {
  readonly directory: string;
  readonly logits: Float32Array;
  readonly goodShards: ShardRecord[];
  /** Example ranges [start, end) not covered by a good shard. */
  readonly missing: Array<readonly [number, number]>;
  /**
   * What was found unusable and will be recomputed: shards that failed verification (truncated,
   * corrupted, missing) and a manifest that could not be read or belongs to another entry.
   */
  readonly rejected: CacheRejection[];
}

/** One rejected cache file: which, why, and (always) that its examples are regenerated. */
export interface CacheRejection {
  readonly file: string;
  readonly reason: string;
}

/** One line per rejected file, worded the same by every command that prints it. */
export function formatCacheRejection(rejection: CacheRejection): string {
  return `[logit cache] rejected ${rejection.file}: ${rejection.reason}; regenerated from the teacher`;
}

/** How long a process waits for another one writing the same cache entry (it then finds its shards). */
const LOCK_WAIT_MS = 10 * 60_000;

/**
 * Raw teacher logits on disk: one folder per (teacher, dataset, augmentation seed), holding
 * .npy shards and a manifest with a sha256 per shard. Shards are written as they are computed
 * (so an interrupted run keeps its finished shards) and verified on every read — a truncated
 * or corrupted shard is reported and recomputed, never used.
 */
export class LogitCache {
  // Shards finish concurrently; manifest updates are serialised so none is lost.
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly root: string) {}

  directoryFor(key: LogitCacheKey): string {
    const id = fingerprint(key.teacherFingerprint, key.datasetFingerprint, String(key.augmentationSeed ?? 'none')).slice(0, 24);
    return join(this.root, id);
  }

  /**
   * The entry's writer lock: one process computes and writes an entry at a time. A second one
   * waits (up to 10 minutes) and then opens the entry the first one filled.
   */
  lock(key: LogitCacheKey, waitMs = LOCK_WAIT_MS): Promise<FolderLock> {
    return FolderLock.acquire(this.directoryFor(key), 'logit cache writer', { waitMs });
  }

  async open(key: LogitCacheKey): Promise<CacheEntryState> {
    const directory = this.directoryFor(key);
    const logits = new Float32Array(key.numExamples * key.numClasses);
    const rejected: CacheRejection[] = [];
    const manifest = await this.readManifest(directory, key, rejected);
    const goodShards: ShardRecord[] = [];
    for (const shard of manifest?.shards ?? []) {
      const reason = await this.loadShard(directory, shard, key.numClasses, logits);
      if (reason === undefined) goodShards.push(shard);
      else rejected.push({ file: join(directory, shard.file), reason });
    }
    return { directory, logits, goodShards, missing: gaps(goodShards, key.numExamples), rejected };
  }

  /** Writes one shard (atomically) and records it in the manifest. */
  writeShard(key: LogitCacheKey, state: CacheEntryState, start: number, end: number, values: Float32Array): Promise<void> {
    const write = this.writes.then(() => this.writeShardNow(key, state, start, end, values));
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async writeShardNow(key: LogitCacheKey, state: CacheEntryState, start: number, end: number, values: Float32Array): Promise<void> {
    await mkdir(state.directory, { recursive: true });
    const file = `shard-${String(start).padStart(9, '0')}-${String(end).padStart(9, '0')}.npy`;
    const bytes = encodeNpy(values, [end - start, key.numClasses]);
    await writeAtomically(join(state.directory, file), bytes);
    const kept = state.goodShards.filter((s) => s.file !== file);
    kept.push({ file, start, end, sha256: createHash('sha256').update(bytes).digest('hex') });
    state.goodShards.splice(0, state.goodShards.length, ...kept.sort((a, b) => a.start - b.start));
    await this.writeManifest(key, state);
  }

  async writeManifest(key: LogitCacheKey, state: CacheEntryState): Promise<void> {
    const complete = gaps(state.goodShards, key.numExamples).length === 0;
    const manifest: LogitCacheManifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      distilleryVersion: DISTILLERY_VERSION,
      teacherFingerprint: key.teacherFingerprint,
      datasetFingerprint: key.datasetFingerprint,
      ...(key.augmentationSeed === undefined ? {} : { augmentationSeed: key.augmentationSeed }),
      numExamples: key.numExamples,
      numClasses: key.numClasses,
      dtype: 'float32',
      shards: state.goodShards,
      complete,
    };
    await writeAtomically(join(state.directory, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** The entry's manifest; one that exists but cannot be used is recorded in `rejected`, never a silent miss. */
  private async readManifest(directory: string, key: LogitCacheKey, rejected: CacheRejection[]): Promise<LogitCacheManifest | undefined> {
    const path = join(directory, 'manifest.json');
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    let manifest: LogitCacheManifest;
    try {
      manifest = JSON.parse(text) as LogitCacheManifest;
    } catch (error) {
      rejected.push({ file: path, reason: `not valid JSON (${(error as Error).message}), so every shard is untrusted` });
      return undefined;
    }
    if (typeof manifest !== 'object' || manifest === null) {
      rejected.push({ file: path, reason: 'not a manifest object, so every shard is untrusted' });
      return undefined;
    }
    const sameEntry =
      manifest.format === FORMAT &&
      manifest.formatVersion === FORMAT_VERSION &&
      manifest.teacherFingerprint === key.teacherFingerprint &&
      manifest.datasetFingerprint === key.datasetFingerprint &&
      manifest.augmentationSeed === key.augmentationSeed &&
      manifest.numExamples === key.numExamples &&
      manifest.numClasses === key.numClasses &&
      Array.isArray(manifest.shards);
    if (!sameEntry) rejected.push({ file: path, reason: `does not describe this entry (${manifestMismatch(manifest, key)})` });
    return sameEntry ? manifest : undefined;
  }

  /** Fills `logits` from one shard; returns why the shard is unusable, if it is. */
  private async loadShard(directory: string, shard: ShardRecord, numClasses: number, logits: Float32Array): Promise<string | undefined> {
    const bytes = await readFile(join(directory, shard.file)).catch(() => undefined);
    if (bytes === undefined) return 'file is missing';
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== shard.sha256) return `checksum mismatch (sha256 ${sha256.slice(0, 12)}…, manifest says ${shard.sha256.slice(0, 12)}…)`;
    try {
      const { values, shape } = decodeNpy(bytes, shard.file);
      if (shape[0] !== shard.end - shard.start || shape[1] !== numClasses) return `shape (${shape.join(', ')}) does not match its range`;
      logits.set(values, shard.start * numClasses);
      return undefined;
    } catch (error) {
      return error instanceof DistilleryError ? error.message : String(error);
    }
  }
}

/** Which field of a manifest disagrees with the key it was opened for. */
function manifestMismatch(manifest: LogitCacheManifest, key: LogitCacheKey): string {
  if (manifest.format !== FORMAT) return `format is ${JSON.stringify(manifest.format)}, expected ${FORMAT}`;
  if (manifest.formatVersion !== FORMAT_VERSION) return `format version ${String(manifest.formatVersion)}, expected ${FORMAT_VERSION}`;
  for (const field of ['teacherFingerprint', 'datasetFingerprint', 'augmentationSeed', 'numExamples', 'numClasses'] as const) {
    if (manifest[field] !== key[field]) return `${field} is ${JSON.stringify(manifest[field])}, expected ${JSON.stringify(key[field])}`;
  }
  return 'its shard list is not an array';
}


/** Ranges of [0, n) not covered by the shards. */
function gaps(shards: readonly ShardRecord[], n: number): Array<readonly [number, number]> {
  const sorted = [...shards].sort((a, b) => a.start - b.start);
  const out: Array<readonly [number, number]> = [];
  let at = 0;
  for (const s of sorted) {
    if (s.start > at) out.push([at, s.start]);
    at = Math.max(at, s.end);
  }
  if (at < n) out.push([at, n]);
  return out;
}
