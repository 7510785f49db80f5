import { DistilleryError, assertPositiveInteger, checkCallOptions, configError, type OptionKeys, isDistilleryError, resolveBackendName, type BackendName } from '@distillery/core';
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { PluginModules } from '../builtin-registry.js';
import type { RunnerWorkerData } from '../protocol.js';
import { resolve } from 'node:path';
import type { ProbeResult, ProgressMessage, WorkerOutput, WorkerReply, WorkerTask } from '../protocol.js';

export interface RunnerPoolOptions extends PluginModules {
  /** Worker threads (default: the number of cores). */
  readonly workers?: number;
  /** Backend in every worker (default: DISTILLERY_BACKEND or wasm). */
  readonly backend?: string;
  /** Per-worker memory limits (Node's Worker resourceLimits): a worker past them dies alone, as E_WORKER_DIED. */
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number; readonly maxYoungGenerationSizeMb?: number };
}

const RUNNER_POOL_OPTIONS: OptionKeys<RunnerPoolOptions> = { workers: true, backend: true, resourceLimits: true, plugins: true, baseDir: true };

export interface RunTaskOptions {
  /**
   * Ends the task now by terminating its worker thread (piscina starts a fresh one): for a
   * trial that does not answer a cooperative stop. Refused for tasks inside onnxruntime, where
   * terminating the thread would abort the whole process.
   */
  readonly signal?: AbortSignal;
}

const WORKER_FILE = new URL('../worker/runner-worker-bootstrap.mjs', import.meta.url);

/** Pools not yet destroyed, so that a forced exit (a second Ctrl-C) can stop them cooperatively first. */
const livePools = new Set<RunnerPool>();

/**
 * A call's `workers` count beside what decides instead: a given pool (its own count) or an
 * executor (its own workers). Such a count is refused, never silently ignored; one said again
 * (the pool's own count) is no conflict. `zero` names what 0 means, where it means something.
 */
export function checkWorkerCount(call: string, options: { readonly workers?: number; readonly pool?: RunnerPool; readonly executor?: unknown }, zero?: string): void {
  const { workers, pool, executor } = options;
  if (workers === undefined) return;
  const field = `${call} workers`;
  if (zero === undefined) assertPositiveInteger(field, workers);
  else if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 0) throw configError(field, `0 (${zero}) or a positive integer`, workers);
  if (executor !== undefined) {
    throw new DistilleryError('E_CONFIG', `${field}: the given executor's own workers do the work, so workers (${workers}) would be ignored: leave it out`);
  }
  if (pool !== undefined && workers !== pool.workers) {
    throw new DistilleryError(
      'E_CONFIG',
      `${field}: the given pool has ${pool.workers} worker${pool.workers === 1 ? '' : 's'}, so workers (${workers}) would be ignored: leave it out, or leave out pool for a pool of ${workers} made for this call`,
    );
  }
}

/**
 * A piscina pool of Distillery workers, created once and reused across calls: workers pay
 * their start-up (tfjs import, wasm backend, plugin registry) once, and keep loaded teachers.
 *
 * It shuts down cooperatively: a worker is never terminated while a task runs, because a
 * thread stopped inside onnxruntime's `session.run` aborts the whole process (exit 134).
 * `destroy()` raises a stop flag that soft-label tasks check between batches, waits for every
 * running task to settle, and only then ends the threads.
 */
export class RunnerPool {
  readonly workers: number;
  readonly backend: BackendName;
  /** Plugin modules every worker loads at start-up (beside the built-ins). */
  readonly plugins: Required<PluginModules>;
  private readonly piscina: Piscina<WorkerTask, WorkerReply>;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly running = new Set<Promise<unknown>>();
  /** The running tasks inside onnxruntime: the ones a thread must never be stopped in. */
  private readonly runningNative = new Set<Promise<unknown>>();
  private stopping = false;
  private destroyed: Promise<void> | undefined;

  constructor(options: RunnerPoolOptions = {}) {
    checkCallOptions('new RunnerPool', options, RUNNER_POOL_OPTIONS);
    const workers = options.workers ?? availableParallelism();
    assertPositiveInteger('workers', workers);
    this.workers = workers;
    this.backend = resolveBackendName(options.backend);
    this.plugins = { plugins: [...(options.plugins ?? [])], baseDir: resolve(options.baseDir ?? process.cwd()) };
    this.piscina = new Piscina<WorkerTask, WorkerReply>({
      filename: WORKER_FILE.href,
      minThreads: workers,
      maxThreads: workers,
      // One task per worker at a time: each task is CPU-bound on that worker's core.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: { ...options.resourceLimits } }),
      workerData: { backend: this.backend, ...this.plugins, stop: this.stopFlag.buffer as SharedArrayBuffer } satisfies RunnerWorkerData,
    });
    livePools.add(this);
  }

  /**
   * Runs one task; a worker's error comes back as a DistilleryError with its code. A worker
   * that dies under the task (it exits, runs out of memory, crashes) is replaced by piscina and
   * the task fails with E_WORKER_DIED; one terminated through `options.signal`, with E_ABORTED.
   */
  async run<T extends WorkerOutput>(task: WorkerTask, onProgress?: (message: ProgressMessage) => void, options: RunTaskOptions = {}): Promise<T> {
    if (this.stopping) throw new DistilleryError('E_ABORTED', 'the runner pool has been stopped or destroyed');
    const native = task.type === 'soft-labels' && task.teacher.format === 'onnx' && task.teacher.runtime === 'ort';
    if (native && options.signal !== undefined) {
      throw new DistilleryError('E_INTERNAL', 'a task inside onnxruntime cannot be terminated from outside; stop it with its stop flag');
    }
    const running = this.dispatch(task, onProgress, options.signal).catch((error: unknown) => {
      throw workerFailure(error);
    });
    this.running.add(running);
    if (native) this.runningNative.add(running);
    try {
      const reply = await running;
      if (!reply.ok) throw DistilleryError.fromJSON(reply.error);
      return reply.value as T;
    } finally {
      this.running.delete(running);
      this.runningNative.delete(running);
    }
  }

  /** Start-up time and memory of each worker (runs one probe per worker, all at once). */
  async probe(): Promise<ProbeResult[]> {
    const results = await Promise.all(Array.from({ length: this.workers }, () => this.run<ProbeResult>({ type: 'probe' })));
    return results;
  }

  /** Tasks running now (dispatched, not yet settled). */
  get runningTasks(): number {
    return this.running.size;
  }

  /**
   * Asks running soft-label tasks to stop at their next batch (they end with E_ABORTED) and
   * waits until no task runs. New tasks are refused from then on.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    Atomics.store(this.stopFlag, 0, 1);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * For an exit that cannot wait for trials to finish: stops as `stop` does, but waits only for
   * the tasks inside onnxruntime (they end at their next batch); tfjs tasks may be cut short.
   */
  async stopNative(): Promise<void> {
    this.stopping = true;
    Atomics.store(this.stopFlag, 0, 1);
    while (this.runningNative.size > 0) await Promise.allSettled([...this.runningNative]);
  }

  /** Stops cooperatively (see `stop`), then ends the worker threads. */
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      await this.stop();
      await this.piscina.destroy();
      livePools.delete(this);
    })();
    return this.destroyed;
  }

  private async dispatch(task: WorkerTask, onProgress?: (message: ProgressMessage) => void, signal?: AbortSignal): Promise<WorkerReply> {
    const withSignal = signal === undefined ? {} : { signal };
    if (onProgress === undefined || task.type === 'probe') return this.piscina.run(task, withSignal);
    const channel = new MessageChannel();
    channel.port1.on('message', (message: ProgressMessage) => onProgress(message));
    try {
      return await this.piscina.run({ ...task, progress: channel.port2 }, { transferList: [channel.port2], ...withSignal });
    } finally {
      channel.port1.close();
    }
  }
}

/** What piscina rejects with (not a worker's reply) as a DistilleryError: a terminated task or a dead worker. */
function workerFailure(error: unknown): DistilleryError {
  if (isDistilleryError(error)) return error;
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === 'AbortError') return new DistilleryError('E_ABORTED', 'the task was ended: its worker thread was terminated and replaced', { details: { terminated: true } });
  const why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'ran out of memory' : /exited with code/.test(message ?? '') ? `exited (${message})` : `crashed (${message ?? String(error)})`;
  return new DistilleryError('E_WORKER_DIED', `the worker thread running the task ${why}; a fresh worker replaces it`, {
    details: { reason: code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : /exited/.test(why) ? 'exit' : 'crash' },
  });
}

/**
 * Readies every live pool for a process exit that cannot wait for a normal shutdown — the
 * CLI's second Ctrl-C: tasks inside onnxruntime end at their next batch (exiting while a
 * worker is inside it would abort the process); others are left to the exit.
 */
export async function stopRunnerPools(): Promise<void> {
  await Promise.all([...livePools].map((pool) => pool.stopNative()));
}
