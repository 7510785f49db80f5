import { DistilleryError, checkCallOptions, createServiceContainer, isPluginPath, pluginServices, shareDataset, type OptionKeys, type SharedDataset } from '@distillery/core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createPluginRegistry, pluginModuleKey } from '../builtin-registry.js';
import { RunnerPool } from '../pool/runner-pool.js';
import type { SoftLabelShard, TeacherPayload } from '../protocol.js';
import type { TrialEpoch, TrialResult } from '../trial/trial-spec.js';
import { DEFAULT_QUEUE, END_VALUE, STOP_KEY_PREFIX, STOP_POLL_MS, decodeJobError, encodeJobError } from './job-error.js';
import { StopWatcher } from './stop-watcher.js';
import { LogitFetcher, type LogitsSource } from './logit-store.js';
import { bullConnection, openClient } from './redis-connection.js';
import { describeWorkerError, watchRedisOutages } from './redis-watch.js';
import { parseRedisUrl } from './redis-url.js';
import { putBlob } from './blob-store.js';
import { parseShardJob, teacherFromJob, type JobTeacher, type ShardJobData, type ShardJobResult } from './shard-job.js';
import { parseTrialJob, type TrialJobData } from './trial-job.js';

export interface QueueWorkerOptions {
  readonly url: string;
  /** Trials run at once, one per worker thread (default 1). */
  readonly concurrency?: number;
  readonly queue?: string;
  /** Plugin modules this worker may load when a job names them; a job naming any other is refused. */
  readonly allowPlugins?: readonly string[];
  /** Where plugin modules and relative dataset paths are resolved (default: the current folder). */
  readonly baseDir?: string;
  readonly backend?: string;
  /** Where teacher logits fetched from Redis are kept (default: .distillery/worker-logits under baseDir). */
  readonly logitsDirectory?: string;
  /** BullMQ's lock: a worker that stops renewing it (killed) loses its job after this long. */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly maxStalledCount?: number;
  /** How often a running trial's stop key is read besides when the coordinator announces a request (default STOP_POLL_MS). */
  readonly stopPollMs?: number;
  readonly onEvent?: (event: QueueWorkerEvent) => void;
}

const QUEUE_WORKER_OPTIONS: OptionKeys<QueueWorkerOptions> = {
  url: true, concurrency: true, queue: true, allowPlugins: true, baseDir: true, backend: true, logitsDirectory: true, lockDurationMs: true, stalledIntervalMs: true, maxStalledCount: true, stopPollMs: true, onEvent: true,
};

/** `task` is `trial <id>` or `shard <start>-<end>`; progress counts epochs or examples. */
export type QueueWorkerEvent =
  | { readonly type: 'ready'; readonly worker: string; readonly queue: string; readonly concurrency: number }
  /** `trial`: a trial's grid values and seed, for a log line a person can tell apart from the others. */
  | { readonly type: 'start'; readonly jobId: string; readonly task: string; readonly attempt: number; readonly trial?: { readonly params: Readonly<Record<string, unknown>>; readonly seed: number } }
  | { readonly type: 'progress'; readonly jobId: string; readonly task: string; readonly done: number; readonly total: number }
  /** `elapsedMs` from the job's start here; a finished trial's `epochs` run and best epoch's validation accuracy (when it has a validation split). */
  | {
      readonly type: 'end';
      readonly jobId: string;
      readonly task: string;
      readonly ok: boolean;
      readonly message?: string;
      readonly elapsedMs: number;
      readonly epochs?: number;
      readonly validationAccuracy?: number;
    }
  | { readonly type: 'warning'; readonly message: string }
  /** A job refused before it ran (a plugin this worker was not started with, data that fail the schema); `first`: the first refusal for this reason. */
  | { readonly type: 'refused'; readonly jobId: string; readonly message: string; readonly first: boolean }
  /** The first time this worker process needs a teacher's logits: where they came from (the shared logit cache, its own folder, Redis). */
  | { readonly type: 'logits'; readonly sha256: string; readonly source: Exclude<LogitsSource, 'memory'>; readonly bytes: number };

export interface QueueWorker {
  /** `host/pid`: how progress and records name this worker. */
  readonly name: string;
  /** Stops taking jobs, lets the running ones finish (and report), then lets go of Redis and threads. */
  close(): Promise<void>;
  /** False while Redis is out of reach (from its first connection error to its return): a close then waits for it. */
  reachable(): boolean;
}

interface LoadedData {
  readonly train: SharedDataset;
  readonly test: SharedDataset;
}

/**
 * A queue worker: takes trial and soft-label shard jobs, re-creates their dataset from its
 * plugin (refusing a fingerprint that differs from the run's), fetches the teacher's logits or
 * the teacher by content address, and runs the job in its own thread pool with the same code
 * as a local sweep or labelling.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  checkCallOptions('startQueueWorker', options, QUEUE_WORKER_OPTIONS, ['url']);
  const target = parseRedisUrl(options.url);
  const baseDir = resolve(options.baseDir ?? process.cwd());
  // A --plugin that is not there (a typo, another folder) or does not load says so now, not as a
  // worker that waits for jobs and fails each one naming it.
  await createPluginRegistry({ plugins: options.allowPlugins ?? [], baseDir });
  const client = await openClient(target);
  const name = `${hostname()}/${process.pid}`;
  const queue = options.queue ?? DEFAULT_QUEUE;
  const concurrency = options.concurrency ?? 1;
  const allowed = new Set(options.allowPlugins ?? []);
  // `./rings.mjs` and `/home/me/proj/rings.mjs` name one file: paths are compared resolved.
  const allowedKeys = new Set([...allowed].map((p) => pluginModuleKey(p, baseDir)));
  const refusedReasons = new Set<string>();
  const pool = new RunnerPool({ workers: concurrency, plugins: [...allowed], baseDir, ...(options.backend === undefined ? {} : { backend: options.backend }) });
  const stops = await StopWatcher.open(client, queue, options.stopPollMs ?? STOP_POLL_MS);
  const fetcher = new LogitFetcher(client, options.logitsDirectory ?? join(baseDir, '.distillery', 'worker-logits'));
  const datasets = new Map<string, Promise<LoadedData>>();
  const sharedLogits = new Map<string, Float32Array>();

  const loadData = (spec: { readonly plugin: string; readonly options: Readonly<Record<string, unknown>> }, plugins: readonly string[]): Promise<LoadedData> => {
    const key = JSON.stringify([spec.plugin, spec.options, plugins]);
    let loaded = datasets.get(key);
    if (loaded === undefined) {
      loaded = (async () => {
        const registry = await createPluginRegistry({ plugins, baseDir });
        const context = { services: pluginServices(createServiceContainer()) };
        const source = registry.create('dataset', spec.plugin, spec.options, context);
        const [train, test] = await Promise.all([source.load('train'), source.load('test')]);
        return { train: shareDataset(train), test: shareDataset(test) };
      })();
      datasets.set(key, loaded);
      loaded.catch(() => datasets.delete(key));
    }
    return loaded;
  };

  const teachers = new Map<string, Promise<TeacherPayload>>();
  const teacherFor = (teacher: JobTeacher) => {
    let payload = teachers.get(teacher.fingerprint);
    if (payload === undefined) {
      payload = teacherFromJob(client, teacher);
      teachers.set(teacher.fingerprint, payload);
      payload.catch(() => teachers.delete(teacher.fingerprint));
    }
    return payload;
  };

  const process_ = async (job: Job): Promise<(TrialResult & { readonly worker: string }) | ShardJobResult> => {
    const jobId = job.id ?? '?';
    let parsed: { kind: 'trial'; data: TrialJobData } | { kind: 'shard'; data: ShardJobData };
    try {
      parsed = (job.data as { format?: unknown } | null)?.format === 'distillery-shard' ? { kind: 'shard', data: parseShardJob(job.data, jobId) } : { kind: 'trial', data: parseTrialJob(job.data, jobId) };
      const refused = parsed.data.plugins.filter((p) => !allowedKeys.has(pluginModuleKey(p, baseDir)));
      if (refused.length > 0) throw refusedPlugins(name, refused, baseDir);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.onEvent?.({ type: 'refused', jobId, message, first: !refusedReasons.has(message) });
      refusedReasons.add(message);
      // Another attempt would refuse it the same way: fail it now, not after every retry.
      throw new UnrecoverableError(encodeJobError(error));
    }
    const task = parsed.kind === 'trial' ? `trial ${parsed.data.trial.id}` : `shard ${parsed.data.shard.start}-${parsed.data.shard.end}`;
    const started = performance.now();
    const trialInfo = parsed.kind === 'trial' ? { trial: { params: parsed.data.trial.params, seed: parsed.data.trial.seed } } : {};
    options.onEvent?.({ type: 'start', jobId, task, attempt: job.attemptsMade + 1, ...trialInfo });
    // Progress writes in order, each after the one before; the result is handed back only once they
    // are all in Redis, so the coordinator reads every progress event before the job's completion.
    let progressWritten: Promise<unknown> = Promise.resolve();
    const onProgress = (m: { done: number; total: number; epoch?: TrialEpoch }) => {
      options.onEvent?.({ type: 'progress', jobId, task, done: m.done, total: m.total });
      // The epoch's metrics go too: the coordinator's pruner decides on them.
      const update = { done: m.done, total: m.total, worker: name, ...(m.epoch === undefined ? {} : { epoch: m.epoch }) };
      progressWritten = progressWritten.then(() => job.updateProgress(update)).catch(() => undefined);
    };
    try {
      const { data } = parsed;
      const fingerprints = 'fingerprints' in data.dataset ? data.dataset.fingerprints : { train: data.dataset.fingerprint };
      const { train, test } = await loadData(data.dataset, data.plugins)
        .then((loaded) => (checkFingerprints(data.dataset.plugin, fingerprints, loaded, name), loaded))
        .catch((error: unknown) => {
          // Other data here will be other data on the next try too: fail it now.
          throw new UnrecoverableError(encodeJobError(error));
        });
      let result: TrialResult | ShardJobResult;
      if (parsed.kind === 'shard') {
        const { shard } = parsed.data;
        const payload = await teacherFor(parsed.data.teacher);
        const out = await pool.run<SoftLabelShard>({ type: 'soft-labels', teacher: payload, dataset: train, start: shard.start, end: shard.end, batchSize: shard.batchSize }, onProgress);
        const logits = await putBlob(client, new Uint8Array(out.logits.buffer, out.logits.byteOffset, out.logits.byteLength));
        result = { start: out.start, end: out.end, numClasses: out.numClasses, runtime: out.runtime, logits, worker: name };
      } else {
        const { trial, teacherLogits, teacher } = parsed.data;
        const logits = await fetchShared(fetcher, sharedLogits, teacherLogits, options.onEvent);
        // Feature terms run the teacher online: its weights come by content address (fetched once per worker), or its plugin makes it here.
        const payload = teacher === undefined ? undefined : await teacherFor(teacher);
        if (logits.length !== train.labels.length * train.numClasses) {
          throw new UnrecoverableError(encodeJobError(new DistilleryError('E_SHAPE', `teacher logits of job ${jobId} cover ${logits.length / train.numClasses} examples, the dataset loaded on ${name} has ${train.labels.length}`)));
        }
        // Ended before it started (its coordinator timed it out, or was stopped, while it waited or stalled): not run.
        if ((await client.get(`${STOP_KEY_PREFIX}${jobId}`).catch(() => null)) === END_VALUE) throw endedError(jobId, 'before it started');
        const stop = new Int32Array(new SharedArrayBuffer(4));
        const watch = stops.watch(jobId, stop);
        try {
          result = await pool.run<TrialResult>(
            { type: 'trial', trial: { ...trial, train, test, teacherLogits: logits, ...(payload === undefined ? {} : { teacher: payload }) }, stop: stop.buffer as SharedArrayBuffer },
            onProgress,
            { signal: watch.signal },
          );
        } catch (error) {
          if (watch.ended()) throw endedError(jobId, 'inside a step: its thread was terminated and replaced');
          throw error;
        } finally {
          watch.stop();
        }
        // Stopped at an epoch by an end request: a partial result is never handed back as the trial's.
        if (watch.ended()) throw endedError(jobId, `at epoch ${result.epochs.length}`);
      }
      await progressWritten;
      const elapsedMs = performance.now() - started;
      if ('best' in result) {
        const accuracy = result.best.validationAccuracy;
        options.onEvent?.({ type: 'end', jobId, task, ok: true, elapsedMs, epochs: result.epochs.length, ...(accuracy === undefined ? {} : { validationAccuracy: accuracy }) });
      } else options.onEvent?.({ type: 'end', jobId, task, ok: true, elapsedMs });
      // A trial's result names its worker too: the coordinator labels epochs whose progress events it missed.
      return parsed.kind === 'trial' ? { ...(result as TrialResult), worker: name } : (result as ShardJobResult);
    } catch (error) {
      // An UnrecoverableError carries the error's JSON (for the coordinator): its message is what a person reads.
      const message = error instanceof UnrecoverableError ? decodeJobError(error.message).message : error instanceof Error ? error.message : String(error);
      options.onEvent?.({ type: 'end', jobId, task, ok: false, message, elapsedMs: performance.now() - started });
      throw error instanceof UnrecoverableError ? error : new Error(encodeJobError(error));
    }
  };

  const worker = new Worker(queue, process_, {
    connection: bullConnection(target),
    concurrency,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
    ...(options.maxStalledCount === undefined ? {} : { maxStalledCount: options.maxStalledCount }),
    name,
  });
  // Connection blips are retried by ioredis; what BullMQ still reports (a lock lost while a job
  // finished, so the job goes back to the queue) is worth a line in the worker's log. Redis out of
  // reach is said once, and its return once.
  const reachable = watchRedisOutages([worker], client, {
    lost: (error) => options.onEvent?.({ type: 'warning', message: `lost Redis at ${target.display} (${error.message}); retrying until it is back — trials running here go on, their results wait for it` }),
    back: () => options.onEvent?.({ type: 'warning', message: `Redis at ${target.display} is back: taking jobs again` }),
    other: (error) => options.onEvent?.({ type: 'warning', message: describeWorkerError(error.message) }),
  });
  // Its threads start now (backend, warm-up, plugins), not inside the first job's time; a thread
  // that fails to start says so on each job, as before.
  await Promise.all([worker.waitUntilReady(), pool.probe().catch(() => undefined)]);
  options.onEvent?.({ type: 'ready', worker: name, queue, concurrency });

  let closing: Promise<void> | undefined;
  return {
    name,
    reachable,
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await pool.destroy();
        await stops.close();
        await client.quit().catch(() => client.disconnect());
      })()),
  };
}

/** The same text for every job the config's plugins make this worker refuse: the worker's log says it once. */
function refusedPlugins(worker: string, refused: readonly string[], baseDir: string): DistilleryError {
  const first = refused[0]!;
  const where = isPluginPath(first) ? `(a file: a relative path resolves from the worker's folder, ${baseDir})` : 'where that package is installed';
  return new DistilleryError(
    'E_CONFIG',
    `worker ${worker} was not started with plugin ${refused.map((p) => JSON.stringify(p)).join(', ')}, which the run's config names (plugins): start it with --plugin ${first} ${where}`,
    { details: { worker, plugins: [...refused] } },
  );
}

function checkFingerprints(plugin: string, expected: { readonly train: string; readonly test?: string }, loaded: LoadedData, worker: string): void {
  const wrong = (['train', 'test'] as const)
    .filter((split) => expected[split] !== undefined && expected[split] !== loaded[split].fingerprint)
    .map((split) => `${split} ${loaded[split].fingerprint.slice(0, 12)}… (the run's: ${expected[split]!.slice(0, 12)}…)`);
  if (wrong.length === 0) return;
  throw new DistilleryError(
    'E_DATASET',
    `worker ${worker} loaded dataset ${JSON.stringify(plugin)} (${loaded.train.name} / ${loaded.test.name}) with other data than the run: fingerprint ${wrong.join(', ')}. The files differ on this machine; the job was not run`,
    { details: { worker, plugin } },
  );
}

async function fetchShared(
  fetcher: LogitFetcher,
  shared: Map<string, Float32Array>,
  address: TrialJobData['teacherLogits'],
  onEvent: QueueWorkerOptions['onEvent'],
): Promise<Float32Array> {
  const known = shared.get(address.sha256);
  if (known !== undefined) return known;
  const { values, source } = await fetcher.fetch(address);
  if (source !== 'memory') onEvent?.({ type: 'logits', sha256: address.sha256, source, bytes: values.byteLength });
  // Shared memory: every thread of the pool reads the one copy.
  const copy = new Float32Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  shared.set(address.sha256, copy);
  return copy;
}

function endedError(jobId: string, when: string): UnrecoverableError {
  return new UnrecoverableError(encodeJobError(new DistilleryError('E_ABORTED', `trial job ${jobId} was ended by its coordinator (a timeout, or the sweep was stopped) ${when}`, { details: { ended: true } })));
}
