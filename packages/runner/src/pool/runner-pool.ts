import { DistilleryError, assertPositiveInteger, resolveBackendName, type BackendName } from '@distillery/core';
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
}

const WORKER_FILE = new URL('../worker/runner-worker-bootstrap.mjs', import.meta.url);

/**
 * A piscina pool of Distillery workers, created once and reused across calls: workers pay
 * their start-up (tfjs import, wasm backend, plugin registry) once, and keep loaded teachers.
 */
export class RunnerPool {
  readonly workers: number;
  readonly backend: BackendName;
  /** Plugin modules every worker loads at start-up (beside the built-ins). */
  readonly plugins: Required<PluginModules>;
  private readonly piscina: Piscina<WorkerTask, WorkerReply>;
  private destroyed = false;

  constructor(options: RunnerPoolOptions = {}) {
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
      workerData: { backend: this.backend, ...this.plugins } satisfies RunnerWorkerData,
    });
  }

  /** Runs one task; a worker's error comes back as a DistilleryError with its code. */
  async run<T extends WorkerOutput>(task: WorkerTask, onProgress?: (message: ProgressMessage) => void): Promise<T> {
    if (this.destroyed) throw new DistilleryError('E_INTERNAL', 'the runner pool has been destroyed');
    let reply: WorkerReply;
    if (onProgress !== undefined && task.type !== 'probe') {
      const channel = new MessageChannel();
      channel.port1.on('message', (message: ProgressMessage) => onProgress(message));
      try {
        reply = await this.piscina.run({ ...task, progress: channel.port2 }, { transferList: [channel.port2] });
      } finally {
        channel.port1.close();
      }
    } else {
      reply = await this.piscina.run(task);
    }
    if (!reply.ok) throw DistilleryError.fromJSON(reply.error);
    return reply.value as T;
  }

  /** Start-up time and memory of each worker (runs one probe per worker, all at once). */
  async probe(): Promise<ProbeResult[]> {
    const results = await Promise.all(Array.from({ length: this.workers }, () => this.run<ProbeResult>({ type: 'probe' })));
    return results;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.piscina.destroy();
  }
}
