import {
  DistilleryError,
  assertPositiveInteger,
  checkCallOptions,
  predictLogits,
  shareDataset,
  type Dataset,
  type Model,
  type OptionKeys,
  type TeacherLogits,
} from '@distillery/core';
import { LogitCache, type CacheRejection, type LogitCacheKey } from '../cache/logit-cache.js';
import type { FolderLock } from '../lock/folder-lock.js';
import type { Executor } from '../executor/executor.js';
import { RunnerPool, checkWorkerCount } from '../pool/runner-pool.js';
import type { SoftLabelShard, TeacherPayload } from '../protocol.js';
import { planShards } from './shard-plan.js';
import { planTeacher, type TeacherRuntime } from './teacher-payload.js';

export interface SoftLabelOptions {
  readonly teacher: Model;
  readonly dataset: Dataset;
  /** Shard over this many worker threads (a pool made for this call). Omit for in-thread. */
  readonly workers?: number;
  /** Or: an existing pool, reused (preferred for repeated calls). */
  readonly pool?: RunnerPool;
  /**
   * Where the teacher runs (see TeacherRuntime): by default on onnxruntime-node in the workers
   * when it is installed and the teacher has an ONNX form, else on TensorFlow.js. ORT never
   * runs in this thread: `ort` without a pool makes a one-worker pool for the call.
   */
  readonly runtime?: TeacherRuntime;
  /** A LogitCache or its folder: a hit skips the teacher entirely. */
  readonly cache?: LogitCache | string;
  /** Examples per task (default: about four tasks per worker, 256–8,192). */
  readonly shardSize?: number;
  /** Examples per teacher forward batch (default 512). */
  readonly batchSize?: number;
  readonly onProgress?: (event: SoftLabelProgress) => void;
  /**
   * Called for each cache file found unusable (a corrupt or missing shard, a garbage manifest)
   * as soon as the entry is opened, before it is regenerated: every command prints these the
   * same way (see `formatCacheRejection`). They are also in the result's `rejectedShards`.
   */
  readonly onCacheRejected?: (rejection: CacheRejection) => void;
  /**
   * Abort: running shards stop at their next batch (finished shards stay in the cache), then
   * the call throws E_ABORTED.
   */
  readonly signal?: AbortSignal;
  /**
   * Where the shards run instead of the pool (e.g. a `QueueExecutor` across machines), made
   * with the teacher's serialisable form once it is known; closed when the shards are done.
   */
  readonly executor?: (context: { readonly teacher: TeacherPayload; readonly key: LogitCacheKey }) => Promise<Executor>;
}

const SOFT_LABEL_OPTIONS: OptionKeys<SoftLabelOptions> = {
  teacher: true, dataset: true, workers: true, pool: true, runtime: true, cache: true, shardSize: true, batchSize: true, onProgress: true, onCacheRejected: true, signal: true, executor: true,
};

export interface SoftLabelProgress {
  /** Examples done by each worker thread so far in this call (thread id → count; 0 = main thread). */
  readonly perWorker: ReadonlyMap<number, number>;
  /** With an executor (a queue): examples done by each of its workers (`host/pid`) so far. */
  readonly perRemoteWorker?: ReadonlyMap<string, number>;
  readonly done: number;
  readonly total: number;
}

export interface SoftLabelResult {
  readonly logits: TeacherLogits;
  /** Teacher passes over the dataset made by this call: 1 when all computed, 0 on a full cache hit. */
  readonly teacherPasses: number;
  readonly examplesComputed: number;
  readonly cache: 'hit' | 'miss' | 'partial' | 'none';
  /** Cache files found unusable (truncated, corrupted or missing shards, a garbage manifest) and regenerated. */
  readonly rejectedShards: readonly CacheRejection[];
  readonly teacherFingerprint: string;
  /** The runtime that ran (or would have run) the teacher. */
  readonly runtime: 'ort' | 'tfjs';
  readonly elapsedMs: number;
  /** With an executor (a queue): the workers (`host/pid`) that computed shards, in the order they first reported. */
  readonly remoteWorkers?: readonly string[];
}

/**
 * The teacher's raw logits for every example of a dataset — raw, so one result serves every
 * temperature and λ. Sharded over worker threads (the teacher's weights and the dataset travel
 * as shared memory, each shard's logits come back transferred), cached on disk when asked.
 */
export async function generateSoftLabels(options: SoftLabelOptions): Promise<SoftLabelResult> {
  const started = performance.now();
  checkCallOptions('generateSoftLabels', options, SOFT_LABEL_OPTIONS, ['teacher', 'dataset']);
  const { teacher, dataset } = options;
  checkWorkerCount('soft labels', options);
  assertPositiveInteger('batchSize', options.batchSize ?? 512);
  if (teacher.numClasses < 2) throw new DistilleryError('E_SHAPE', `teacher ${teacher.name} has ${teacher.numClasses} classes`);
  await teacher.ready?.();
  const requested = options.runtime ?? 'auto';
  const inWorkers = options.pool !== undefined || options.workers !== undefined || options.executor !== undefined || requested === 'ort';
  const planned = await planTeacher(teacher, requested, inWorkers);
  const key: LogitCacheKey = {
    teacherFingerprint: planned.fingerprint,
    datasetFingerprint: dataset.fingerprint,
    numExamples: dataset.size,
    numClasses: teacher.numClasses,
  };
  const cache = typeof options.cache === 'string' ? new LogitCache(options.cache) : options.cache;
  // One writer per entry: a second process waits here, then finds the first one's shards.
  const lock: FolderLock | undefined = cache !== undefined ? await cache.lock(key) : undefined;
  try {
    return await generateInto(options, planned, key, cache, started);
  } finally {
    await lock?.release();
  }
}

async function generateInto(
  options: SoftLabelOptions,
  planned: Awaited<ReturnType<typeof planTeacher>>,
  key: LogitCacheKey,
  cache: LogitCache | undefined,
  started: number,
): Promise<SoftLabelResult> {
  const { teacher, dataset, signal } = options;
  const batchSize = options.batchSize ?? 512;
  const inWorkers = options.executor === undefined && (options.pool !== undefined || options.workers !== undefined || (options.runtime ?? 'auto') === 'ort');
  const state = cache !== undefined ? await cache.open(key) : undefined;
  for (const rejection of state?.rejected ?? []) options.onCacheRejected?.(rejection);
  const values = state?.logits ?? new Float32Array(dataset.size * teacher.numClasses);
  const todo = state?.missing ?? [[0, dataset.size] as const];
  const examplesToCompute = todo.reduce((n, [a, b]) => n + b - a, 0);

  const ownPool = options.pool === undefined && inWorkers && examplesToCompute > 0 ? new RunnerPool({ workers: options.workers ?? 1 }) : undefined;
  const pool = options.pool ?? ownPool;
  const perWorker = new Map<number, number>();
  const perRemoteWorker = new Map<string, number>();
  let done = 0;
  const count = <K>(counts: Map<K, number>, key: K, delta: number) => {
    counts.set(key, (counts.get(key) ?? 0) + delta);
    done += delta;
    options.onProgress?.({ perWorker, ...(perRemoteWorker.size === 0 ? {} : { perRemoteWorker }), done, total: examplesToCompute });
  };
  const report = (threadId: number, delta: number) => count(perWorker, threadId, delta);
  const reportRemote = (worker: string, delta: number) => count(perRemoteWorker, worker, delta);
  const store = async (start: number, end: number, logits: Float32Array) => {
    values.set(logits, start * teacher.numClasses);
    if (cache !== undefined && state !== undefined) await cache.writeShard(key, state, start, end, logits);
  };

  try {
    const shards = planShards(todo, options.shardSize ?? defaultShardSize(dataset.size, pool?.workers ?? 1));
    if (options.executor !== undefined && shards.length > 0) {
      throwIfAborted(signal);
      const executor = await options.executor({ teacher: planned.payload!, key });
      // Stopped (Ctrl-C): shards no worker has taken are taken back at once — with no worker
      // connected, the wait would never end; running ones finish and are kept in the cache.
      const handles: Array<{ withdraw?(): Promise<boolean> }> = [];
      const onAbort = () => {
        for (const handle of handles) void handle.withdraw?.().catch(() => false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const outcomes = await Promise.allSettled(
          shards.map(async ([start, end]) => {
            let seen = 0;
            const handle = executor.submit({ type: 'shard', shard: { start, end } }, { onProgress: (p) => (reportRemote(p.worker, p.done - seen), (seen = p.done)) });
            handles.push(handle);
            if (signal?.aborted === true) void handle.withdraw?.().catch(() => false);
            const outcome = await handle.outcome;
            if (!outcome.ok) throw DistilleryError.fromJSON(outcome.error);
            if (seen < end - start) reportRemote(outcome.value.worker ?? executor.description, end - start - seen);
            await store(start, end, outcome.value.logits);
          }),
        );
        throwFirstFailure(outcomes, signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await executor.close();
      }
    } else if (pool !== undefined && shards.length > 0) {
      const shared = shareDataset(dataset);
      // This call's stop flag: set on abort or on the first failure, checked by every shard between batches.
      const stop = new Int32Array(new SharedArrayBuffer(4));
      const onAbort = () => Atomics.store(stop, 0, 1);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
      try {
        const outcomes = await Promise.allSettled(
          shards.map(async ([start, end]) => {
            try {
              let seen = 0;
              let finished = false;
              const shard = await pool.run<SoftLabelShard>(
                { type: 'soft-labels', teacher: planned.payload!, dataset: shared, start, end, batchSize, stop: stop.buffer as SharedArrayBuffer },
                (m) => {
                  if (finished) return;
                  report(m.threadId, m.done - seen);
                  seen = m.done;
                },
              );
              // Progress messages may still be in flight when the shard's result arrives: count the rest now.
              finished = true;
              if (seen < end - start) report(shard.threadId, end - start - seen);
              await store(start, end, shard.logits);
            } catch (error) {
              onAbort();
              throw error;
            }
          }),
        );
        // Every shard has settled (none is still running in a worker): now report the failure.
        throwFirstFailure(outcomes, signal);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    } else {
      for (const [start, end] of shards) {
        throwIfAborted(signal);
        const subset = dataset.subset(Int32Array.from({ length: end - start }, (_, i) => start + i));
        const logits = await predictLogits(teacher, subset, batchSize, (n) => {
          report(0, n);
          throwIfAborted(signal);
        });
        await store(start, end, logits.values);
      }
    }
  } finally {
    await ownPool?.destroy();
  }

  const cacheStatus = cache === undefined ? 'none' : examplesToCompute === 0 ? 'hit' : examplesToCompute === dataset.size ? 'miss' : 'partial';
  return {
    logits: { size: dataset.size, numClasses: teacher.numClasses, values },
    teacherPasses: examplesToCompute / dataset.size,
    examplesComputed: examplesToCompute,
    cache: cacheStatus,
    rejectedShards: state?.rejected ?? [],
    teacherFingerprint: planned.fingerprint,
    runtime: planned.runtime,
    elapsedMs: performance.now() - started,
    ...(perRemoteWorker.size === 0 ? {} : { remoteWorkers: [...perRemoteWorker.keys()] }),
  };
}

function defaultShardSize(size: number, workers: number): number {
  return Math.min(8192, Math.max(256, Math.ceil(size / (workers * 4))));
}

/** The first real failure; shards stopped because of it (E_ABORTED) are its consequence, not the cause. */
function throwFirstFailure(outcomes: PromiseSettledResult<unknown>[], signal: AbortSignal | undefined): void {
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
  if (failures.length === 0) return;
  const cause = failures.find((e) => (e as { code?: string }).code !== 'E_ABORTED');
  if (cause !== undefined) throw cause;
  throwIfAborted(signal);
  throw failures[0];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new DistilleryError('E_ABORTED', 'soft-label generation was stopped; the shards that finished are kept in the cache (where one is set): run the same command again to compute the rest', { cause: signal.reason });
}
