import { DistilleryError, fingerprint } from '@distillery/core';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNpy, encodeNpy } from './npy.js';

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
  /** Shards that were listed but failed verification (truncated, corrupted, missing). */
  readonly rejected: Array<{ readonly file: string; readonly reason: string }>;
}

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

  async open(key: LogitCacheKey): Promise<CacheEntryState> {
    const directory = this.directoryFor(key);
    const logits = new Float32Array(key.numExamples * key.numClasses);
    const manifest = await this.readManifest(directory, key);
    const goodShards: ShardRecord[] = [];
    const rejected: CacheEntryState['rejected'] = [];
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
    const path = join(state.directory, file);
    await writeFile(`${path}.tmp`, bytes);
    await rename(`${path}.tmp`, path);
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
    const path = join(state.directory, 'manifest.json');
    await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(`${path}.tmp`, path);
  }

  private async readManifest(directory: string, key: LogitCacheKey): Promise<LogitCacheManifest | undefined> {
    const path = join(directory, 'manifest.json');
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    let manifest: LogitCacheManifest;
    try {
      manifest = JSON.parse(text) as LogitCacheManifest;
    } catch {
      return undefined; // An unreadable manifest is a miss: everything is recomputed and it is rewritten.
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
