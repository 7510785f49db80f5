import { DistilleryError, fingerprint, type DistilleryErrorJSON } from '@distillery/core';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutionHandle, Executor, ExecutorJob, ExecutorOutcome, ExecutorProgress, ExecutorResultOf, SubmitOptions } from '../executor/executor.js';
import type { SoftLabelShard } from '../protocol.js';
import { readBlob } from './blob-store.js';
import { shardJobFor, sendTeacherData, trialJobFor, type JobContext, type SentTeacherData } from './job-payloads.js';
import type { ShardJobData, ShardJobResult } from './shard-job.js';
import type { TrialEpoch, TrialResult } from '../trial/trial-spec.js';
import { DEFAULT_QUEUE, END_VALUE, STOP_KEY_PREFIX, STOP_VALUE, decodeJobError, stopChannel } from './job-error.js';
import type { LogitsAddress } from './logit-store.js';
import { bullConnection, openClient } from './redis-connection.js';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';
import { watchForWorkers, watchRedisOutages } from './redis-watch.js';
import { trialJobId, type TrialJobData } from './trial-job.js';
import { removeWaitingJobs } from './waiting-jobs.js';
import { checkQueueExecutorOptions, type QueueExecutorOptions } from './queue-executor-options.js';

export type { QueueExecutorOptions } from './queue-executor-options.js';

/**
 * What a sweep's job ids start with: the sweep's definition names its data by fingerprint but
 * not its teacher, so the logits' address (or the teacher's fingerprint) joins it — the same grid
 * with another teacher is other jobs.
 */
const jobPrefixOf = (sweep: string, sent: SentTeacherData) => fingerprint(sweep, sent.teacherLogits?.sha256 ?? '', sent.teacher?.fingerprint ?? '');

/**
 * Trials as BullMQ jobs on Redis: submitted with ids from the sweep and the trial (so a second
 * submit, or a coordinator run again, finds the same job and its result), progress from the
 * queue's event stream, stop requests as a key the worker checks between epochs.
 */
export class QueueExecutor implements Executor {
  readonly description: string;
  readonly capacity: number;
  readonly reportsStart = true;
  /** Where the teacher's logits are in Redis (what each trial job carries). */
  readonly teacherLogits: LogitsAddress | undefined;
  /** What each job of this coordinator is built from (job-payloads.ts). */
  private readonly jobs: JobContext;
  /** Jobs submitted whose outcome is not in yet, and the no-worker watch over them. */
  private pending = 0;
  /** What each job this coordinator waits for was added with: Redis restarted empty gets them again. */
  private readonly inFlight = new Map<string, { readonly name: string; readonly data: TrialJobData | ShardJobData; readonly opts: { attempts: number; backoff: { type: 'fixed'; delay: number } } }>();
  private readonly waitingWatch: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly target: RedisTarget,
    private readonly client: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    sent: SentTeacherData,
  ) {
    this.description = `${target.display} (queue ${queue.name})`;
    this.capacity = options.capacity ?? 100_000;
    this.teacherLogits = sent.teacherLogits;
    const jobPrefix = jobPrefixOf(options.sweep, sent);
    this.jobs = {
      ...sent,
      sweep: options.sweep,
      dataset: options.dataset,
      plugins: options.plugins ?? [],
      jobPrefix,
      ...(options.teacher?.batchSize === undefined ? {} : { shardBatchSize: options.teacher.batchSize }),
    };
    const notice = options.onNotice ?? (() => undefined);
    const what = options.teacherLogits === undefined ? 'soft-label shard(s)' : 'trial(s)';
    const startOne = `distillery worker --redis ${target.display}${queue.name === DEFAULT_QUEUE ? '' : ` --queue ${queue.name}`}`;
    this.waitingWatch =
      options.onNotice === undefined
        ? undefined
        : watchForWorkers(queue, () => this.pending, options.waitingNoticeMs ?? 15_000, () =>
            notice(`no worker is connected to ${this.description}: ${this.pending} ${what} wait in the queue. Start one on any machine that has the data and plugins — ${startOne} — and they run (nothing is lost meanwhile)`),
          );
    this.watchConnection(notice);
  }

  /** Connection errors of the queue, its event stream and the client, said once per outage; jobs Redis lost, submitted again. */
  private watchConnection(notice: (message: string) => void): void {
    const seen = new Set<string>();
    watchRedisOutages([this.queue, this.events, this.client], this.client, {
      lost: (error) => notice(`lost Redis at ${this.target.display} (${error.message}); waiting for it to come back — trials running on workers go on (Ctrl-C stops here; run the same command again to resume)`),
      other: (error) => {
        if (!seen.has(error.message)) notice(`Redis at ${this.target.display}: ${error.message}`);
        seen.add(error.message);
      },
      back: () => {
        notice(`Redis at ${this.target.display} is back`);
        void this.resubmitLost().then(
          (again) => {
            if (again > 0) {
              notice(
                `Redis came back without ${again} of the job(s) this coordinator waits for (restarted without persistence?): the teacher's data and those jobs were submitted again. ` +
                  'For long sweeps keep Redis persistent (appendonly yes)',
              );
            }
          },
          (error: unknown) => notice(`Redis at ${this.target.display} is back, but the jobs it lost could not be submitted again: ${error instanceof Error ? error.message : String(error)}`),
        );
      },
    });
  }

  /**
   * After an outage: jobs this coordinator waits for that Redis no longer has (a restart without
   * persistence) are added again under their ids, with the logits and teacher they name (stored
   * by content, so putting them again is harmless). Returns how many were added.
   */
  private async resubmitLost(): Promise<number> {
    const missing: string[] = [];
    for (const jobId of this.inFlight.keys()) if ((await Job.fromId(this.queue, jobId)) === undefined) missing.push(jobId);
    if (missing.length === 0) return 0;
    await sendTeacherData(this.client, this.options);
    for (const jobId of missing) {
      const job = this.inFlight.get(jobId);
      if (job !== undefined) await this.queue.add(job.name as never, job.data, { jobId, ...job.opts });
    }
    return missing.length;
  }

  /** Connects (one clear error if Redis is not there), uploads the logits' chunks, listens to the queue's events. */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    checkQueueExecutorOptions(options);
    const target = parseRedisUrl(options.url);
    const client = await openClient(target);
    const name = options.queue ?? DEFAULT_QUEUE;
    const queue = new Queue(name, { connection: bullConnection(target) });
    const events = new QueueEvents(name, { connection: bullConnection(target) });
    try {
      const sent = await sendTeacherData(client, options);
      const removed = await removeWaitingJobs(queue, (options.supersedes ?? []).map((s) => trialJobId(jobPrefixOf(s, sent), '')));
      if (removed > 0) options.onNotice?.(`removed ${removed} job(s) of this folder's sweep before it was extended that were still waiting in the queue (the extended sweep submits its own)`);
      // Every job in flight listens for its progress and end (BullMQ's waitUntilFinished adds its own
      // listeners too): hundreds of listeners are the design here, not a leak.
      events.setMaxListeners(0);
      queue.setMaxListeners(0);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      return new QueueExecutor(options, target, client, queue, events, sent);
    } catch (error) {
      await Promise.allSettled([queue.close(), events.close(), client.quit()]);
      throw error;
    }
  }

  submit<J extends ExecutorJob>(job: J, options: SubmitOptions = {}): ExecutionHandle<ExecutorResultOf<J>> {
    const prepared = job.type === 'trial' ? trialJobFor(job.trial, this.jobs) : shardJobFor(job.shard, this.jobs);
    if ('error' in prepared) return { id: prepared.id, stop: () => undefined, outcome: Promise.resolve({ ok: false, error: prepared.error }) };
    const { id, jobId, data } = prepared;
    const stopKey = `${STOP_KEY_PREFIX}${jobId}`;
    // Set once the coordinator stops waiting (terminate, withdraw): later events of the job are not this handle's.
    let ended = false;
    let worker: string | undefined;
    let endNow: (outcome: ExecutorOutcome<never>) => void = () => undefined;
    const abandoned = new Promise<ExecutorOutcome<never>>((resolve) => (endNow = resolve));
    const end = (message: string, details: Record<string, unknown>) => {
      ended = true;
      // Taken back or given up: not a job to submit again should Redis come back empty.
      this.inFlight.delete(jobId);
      endNow({ ok: false, error: new DistilleryError('E_ABORTED', message, { details }).toJSON() });
    };
    // Epochs (or examples) reported so far; `finished` once the result is in: events still in flight after it are late copies.
    let reported = 0;
    let total: number | undefined;
    let finished = false;
    const report = (p: { done: number; total: number; epoch?: TrialEpoch }) => {
      reported = Math.max(reported, p.done);
      total = p.total;
      const progress: ExecutorProgress = { id, done: p.done, total: p.total, worker: worker ?? '?', ...(p.epoch === undefined ? {} : { epoch: p.epoch }) };
      options.onProgress?.(progress);
      // A remote trial does not wait for the decision: a 'stop' lands at the epoch it reaches.
      if (options.decide?.(progress) === 'stop' && !finished) requestStop();
    };
    const onProgress = (event: { jobId: string; data: unknown }) => {
      if (event.jobId !== jobId || ended || finished) return;
      const p = event.data as Partial<ExecutorProgress>;
      if (typeof p.done !== 'number' || typeof p.total !== 'number') return;
      if (typeof p.worker === 'string') worker = p.worker;
      report({ done: p.done, total: p.total, ...(typeof p.epoch === 'object' && p.epoch !== null ? { epoch: p.epoch } : {}) });
    };
    // BullMQ may deliver a job's last progress events after its completion: a finished trial's
    // epochs not yet reported are reported from its result, in order, before the outcome (so bars
    // reach their end and the pruner sees every epoch, whatever the timing).
    const reportTheRest = (result: TrialResult, by: string | undefined) => {
      finished = true;
      worker ??= by;
      for (let done = reported + 1; done <= result.epochs.length; done++) report({ done, total: total ?? result.epochs.length, epoch: result.epochs[done - 1]! });
    };
    // NX: a stop never downgrades an end request already there. The message tells the worker to read the key now.
    const announce = (value: string, onlyIfUnset: boolean) => {
      const set = onlyIfUnset ? this.client.multi().set(stopKey, value, 'EX', 24 * 3600, 'NX') : this.client.multi().set(stopKey, value, 'EX', 24 * 3600);
      void set.publish(stopChannel(this.queue.name), jobId).exec().catch(() => undefined);
    };
    const requestStop = () => announce(STOP_VALUE, true);
    // A worker took the job (BullMQ's 'active' event): its time limit counts from here, not from the queue.
    const onActive = (event: { jobId: string }) => {
      if (event.jobId === jobId && !ended) options.onStart?.(worker ?? '?');
    };
    this.events.on('progress', onProgress);
    this.events.on('active', onActive);
    let queued: Promise<unknown> = Promise.resolve();
    const ran = this.run(jobId, data, () => ended, (p) => (queued = p)).then(
      (o): ExecutorOutcome<TrialResult | ShardJobResult | SoftLabelShard> | Promise<ExecutorOutcome<SoftLabelShard>> => {
        if (o.ok && data.format === 'distillery-trial') {
          // The worker's name rides on the job's return value; the trial's result is the rest.
          const { worker: by, ...value } = o.value as TrialResult & { worker?: unknown };
          if (!ended) reportTheRest(value, typeof by === 'string' ? by : undefined);
          return { ok: true, value };
        }
        return o.ok && data.format === 'distillery-shard' ? this.shardOutcome(o.value as ShardJobResult) : o;
      },
    );
    this.pending += 1;
    const outcome = Promise.race([ran, abandoned]).finally(() => {
      this.pending -= 1;
      this.events.off('progress', onProgress);
      this.events.off('active', onActive);
    });
    return {
      id,
      stop: requestStop,
      terminate: () => {
        if (ended) return;
        announce(END_VALUE, false);
        end(
          `the coordinator stopped waiting for it and asked its worker (${worker ?? 'none had reported yet'}) to end it; the worker stops it at its next epoch or terminates its thread (a worker that cannot be reached keeps it busy until its owner stops it)`,
          { abandoned: true, ...(worker === undefined ? {} : { worker }) },
        );
      },
      withdraw: async () => {
        if (ended) return true;
        await queued.catch(() => undefined);
        // Only a job no worker has taken: a finished one keeps its result, a running one is locked (remove gives 0).
        const state = await this.queue.getJobState(jobId).catch(() => 'unknown');
        if (!['waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) return false;
        if ((await this.queue.remove(jobId).catch(() => 0)) !== 1) return false;
        end('taken back from the queue before a worker started it', { withdrawn: true });
        return true;
      },
      outcome: outcome as Promise<ExecutorOutcome<ExecutorResultOf<J>>>,
    };
  }

  /** A shard's logits come back by address: read (and checked) here. */
  private async shardOutcome(result: ShardJobResult): Promise<ExecutorOutcome<SoftLabelShard>> {
    try {
      const bytes = await readBlob(this.client, result.logits, `logits of shard ${result.start}-${result.end}`);
      const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return { ok: true, value: { type: 'soft-labels', start: result.start, end: result.end, numClasses: result.numClasses, logits, threadId: 0, runtime: result.runtime, ...(result.worker === undefined ? {} : { worker: result.worker }) } };
    } catch (error) {
      return { ok: false, error: decodeJobError(error instanceof Error ? error.message : String(error)) };
    }
  }

  /**
   * Submits the job (or finds it: a rerun, a second coordinator) and waits for its end. `queued`
   * gets the promise of the job being in Redis; `ended` says the handle stopped waiting.
   */
  private async run(jobId: string, data: TrialJobData | ShardJobData, ended: () => boolean, queued: (p: Promise<unknown>) => void): Promise<ExecutorOutcome<TrialResult | ShardJobResult>> {
    const stopKey = `${STOP_KEY_PREFIX}${jobId}`;
    try {
      const put = (async () => {
        await this.client.del(stopKey);
        let job = await Job.fromId<TrialJobData | ShardJobData, TrialResult | ShardJobResult>(this.queue, jobId);
        if (job !== undefined && (await job.getState()) === 'failed') {
          // A sweep run again retries what failed (an aborted sweep's ended trials too), as a local one does.
          await job.retry('failed', { resetAttemptsMade: true });
        }
        const entry = { name: data.format === 'distillery-trial' ? 'trial' : 'shard', data, opts: { attempts: this.options.attempts ?? 2, backoff: { type: 'fixed' as const, delay: this.options.backoffMs ?? 1000 } } };
        // An id that exists makes add() a no-op: two coordinators, or a rerun, share one job.
        job ??= await this.queue.add(entry.name, data, { jobId, ...entry.opts });
        this.inFlight.set(jobId, entry);
        return job;
      })();
      queued(put);
      const job = await put;
      for (let rerun = 0; ; rerun += 1) {
        try {
          const value = (await job.waitUntilFinished(this.events)) as TrialResult | ShardJobResult;
          this.inFlight.delete(jobId);
          return { ok: true, value };
        } catch (error) {
          const failure = await this.failure(jobId, error);
          // Found running, then ended by the end request of an earlier, aborted coordinator (its
          // Ctrl-C raced this run's clearing of the key): it never ran in full, so run it again.
          if (failure.error.code === 'E_ABORTED' && !ended() && rerun < 3) {
            await this.client.del(stopKey);
            await job.retry('failed', { resetAttemptsMade: true });
            continue;
          }
          this.inFlight.delete(jobId);
          return { ok: false, ...failure };
        }
      }
    } catch (error) {
      this.inFlight.delete(jobId);
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
    clearInterval(this.waitingWatch);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
