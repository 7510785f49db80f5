import { DistilleryError, fingerprint, type DistilleryErrorJSON } from '@distillery/core';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutionHandle, Executor, ExecutorJob, ExecutorOutcome, ExecutorProgress, ExecutorResultOf, SubmitOptions } from '../executor/executor.js';
import type { TrialResult } from '../trial/trial-spec.js';
import { DEFAULT_QUEUE, STOP_KEY_PREFIX, decodeJobError } from './job-error.js';
import { putLogits, type LogitsAddress } from './logit-store.js';
import { bullConnection, openClient } from './redis-connection.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';
import { trialJobId, type DatasetSpec, type TrialJobData } from './trial-job.js';

export interface QueueExecutorOptions {
  readonly url: string;
  readonly queue?: string;
  /** The sweep's fingerprint: with the trial id, it makes the job id. */
  readonly sweep: string;
  readonly dataset: DatasetSpec;
  /** Plugin modules the config names (workers must allow them). */
  readonly plugins?: readonly string[];
  readonly teacherLogits: { readonly values: Float32Array; readonly numClasses: number };
  /** The logit-cache entry the logits are in, for workers that can read that folder. */
  readonly logitCache?: LogitsAddress['cache'];
  /** Tries per trial before it is recorded as failed (default 2). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Jobs kept submitted at once (default: all of them; workers pull what they can run). */
  readonly capacity?: number;
}

/**
 * Trials as BullMQ jobs on Redis: submitted with ids from the sweep and the trial (so a second
 * submit, or a coordinator run again, finds the same job and its result), progress from the
 * queue's event stream, stop requests as a key the worker checks between epochs.
 */
export class QueueExecutor implements Executor {
  readonly description: string;
  readonly capacity: number;
  /** Where the teacher's logits are in Redis (what each job carries). */
  readonly teacherLogits: LogitsAddress;
  private readonly jobPrefix: string;

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly target: RedisTarget,
    private readonly client: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    teacherLogits: LogitsAddress,
  ) {
    this.description = `${target.display} (queue ${queue.name})`;
    this.capacity = options.capacity ?? 100_000;
    this.teacherLogits = teacherLogits;
    // The sweep's definition names its data by fingerprint but not its teacher: the logits'
    // address joins it, so the same grid with another teacher is other jobs.
    this.jobPrefix = fingerprint(options.sweep, teacherLogits.sha256);
  }

  /** Connects (one clear error if Redis is not there), uploads the logits' chunks, listens to the queue's events. */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const target = parseRedisUrl(options.url);
    const client = await openClient(target);
    const name = options.queue ?? DEFAULT_QUEUE;
    const queue = new Queue(name, { connection: bullConnection(target) });
    const events = new QueueEvents(name, { connection: bullConnection(target) });
    try {
      const teacherLogits = await putLogits(client, options.teacherLogits, options.logitCache === undefined ? {} : { cache: options.logitCache });
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      return new QueueExecutor(options, target, client, queue, events, teacherLogits);
    } catch (error) {
      await Promise.allSettled([queue.close(), events.close(), client.quit()]);
      throw error;
    }
  }

  submit<J extends ExecutorJob>(job: J, options: SubmitOptions = {}): ExecutionHandle<ExecutorResultOf<J>> {
    if (job.type !== 'trial') {
      const error = new DistilleryError('E_CONFIG', `the queue executor at ${this.target.display} runs trials; soft-label shards run in the local pool`).toJSON();
      return { id: `${job.shard.start}-${job.shard.end}`, stop: () => undefined, outcome: Promise.resolve({ ok: false, error }) };
    }
    const { trial } = job;
    const jobId = trialJobId(this.jobPrefix, trial.id);
    const data: TrialJobData = {
      format: 'distillery-trial',
      version: 1,
      sweep: this.options.sweep,
      trial: { id: trial.id, params: trial.params, seed: trial.seed, spec: trial.spec },
      dataset: this.options.dataset,
      plugins: this.options.plugins ?? [],
      teacherLogits: this.teacherLogits,
    };
    const onProgress = (event: { jobId: string; data: unknown }) => {
      if (event.jobId !== jobId || options.onProgress === undefined) return;
      const p = event.data as Partial<ExecutorProgress>;
      if (typeof p.done === 'number' && typeof p.total === 'number') {
        options.onProgress({ id: trial.id, done: p.done, total: p.total, worker: typeof p.worker === 'string' ? p.worker : '?' });
      }
    };
    this.events.on('progress', onProgress);
    const outcome = this.run(jobId, data).finally(() => this.events.off('progress', onProgress));
    return {
      id: trial.id,
      stop: () => void this.client.set(`${STOP_KEY_PREFIX}${jobId}`, '1', 'EX', 24 * 3600).catch(() => undefined),
      outcome: outcome as Promise<ExecutorOutcome<ExecutorResultOf<J>>>,
    };
  }

  private async run(jobId: string, data: TrialJobData): Promise<ExecutorOutcome<TrialResult>> {
    try {
      await this.client.del(`${STOP_KEY_PREFIX}${jobId}`);
      let job = await Job.fromId<TrialJobData, TrialResult>(this.queue, jobId);
      if (job !== undefined && (await job.getState()) === 'failed') {
        // A sweep run again retries what failed, as a local one does.
        await job.retry('failed', { resetAttemptsMade: true });
      } else if (job === undefined) {
        const attempts = this.options.attempts ?? 2;
        // An id that exists makes add() a no-op: two coordinators, or a rerun, share one job.
        job = await this.queue.add('trial', data, { jobId, attempts, backoff: { type: 'fixed', delay: this.options.backoffMs ?? 1000 } });
      }
      const value = (await job.waitUntilFinished(this.events)) as TrialResult;
      return { ok: true, value };
    } catch (error) {
      return { ok: false, ...(await this.failure(jobId, error)) };
    }
  }

  private async failure(jobId: string, error: unknown): Promise<{ error: DistilleryErrorJSON; attempts?: number }> {
    const job = await Job.fromId(this.queue, jobId).catch(() => undefined);
    if (job?.failedReason !== undefined) return { error: decodeJobError(job.failedReason), attempts: job.attemptsMade };
    const message = error instanceof Error ? error.message : String(error);
    return { error: decodeJobError(message) };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
