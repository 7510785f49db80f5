import type { DistilleryErrorJSON } from '@distillery/core';
import type { SoftLabelShard } from '../protocol.js';
import type { TrialEpoch, TrialResult, TrialSpec } from '../trial/trial-spec.js';

/**
 * The seam between what a sweep or soft-label run decides and where the work runs: the local
 * piscina pool or a queue across machines implement it, and the sweep code knows nothing else
 * about them. An executor is made for one run's data (datasets, teacher logits or teacher),
 * so a job names only what varies — never tensors or big arrays.
 */
export interface Executor {
  /** For progress and messages: `local pool (4 threads)`, `redis://host:6379 (queue distillery)`. */
  readonly description: string;
  /** Jobs worth keeping submitted at once (threads of the pool; for a queue, enough to keep every worker busy). */
  readonly capacity: number;
  /**
   * Submitted jobs may wait for a worker (a queue): `onStart` says when one takes a job, and a
   * trial's time limit counts from there, not from its submission.
   */
  readonly reportsStart?: boolean;
  submit<J extends ExecutorJob>(job: J, options?: SubmitOptions): ExecutionHandle<ExecutorResultOf<J>>;
  /** Lets go of its resources (threads, connections); running work is finished or handed back. */
  close(): Promise<void>;
}

/** One trial: what varies; the data are the executor's. */
export interface TrialSubmission {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly spec: TrialSpec;
}

/** Examples [start, end) of the executor's dataset, labelled by its teacher. */
export interface ShardSubmission {
  readonly start: number;
  readonly end: number;
}

export type ExecutorJob = { readonly type: 'trial'; readonly trial: TrialSubmission } | { readonly type: 'shard'; readonly shard: ShardSubmission };

export type ExecutorResultOf<J extends ExecutorJob> = J extends { readonly type: 'trial' } ? TrialResult : SoftLabelShard;

export interface SubmitOptions {
  /** After each epoch (trials) or batch (shards). */
  readonly onProgress?: (progress: ExecutorProgress) => void;
  /**
   * Trials: asked after each epoch (after `onProgress`) whether the trial goes on — a pruner's
   * decision. An executor that can hold the trial until it has the answer does (the local pool:
   * the worker waits for it, so a pruned trial stops exactly there); others apply a 'stop' as
   * `stop()` does, at the epoch it reaches.
   */
  readonly decide?: (progress: ExecutorProgress) => 'continue' | 'stop';
  /** A worker took the job (executors with `reportsStart`): `worker` as in progress. */
  readonly onStart?: (worker: string) => void;
}

export interface ExecutorProgress {
  /** The trial's id, or `start-end` of a shard. */
  readonly id: string;
  /** Epochs or examples done, and planned. */
  readonly done: number;
  readonly total: number;
  /** Where it runs: `thread 3` in the local pool, `host/pid` for a queue worker. */
  readonly worker: string;
  /** The epoch just finished (trials): what pruning decides on. */
  readonly epoch?: TrialEpoch;
}

/** How a job ended, as data: errors keep their code across threads and machines. */
export type ExecutorOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: DistilleryErrorJSON; readonly attempts?: number };

export interface ExecutionHandle<T> {
  readonly id: string;
  /**
   * Asks the job to end at its next epoch (trials) or batch (shards): a trial stopped so keeps
   * the epochs it trained and ends ok. Harmless once the job has ended.
   */
  stop(): void;
  /**
   * Ends the job now, for one that does not answer `stop()` (a hung trial) or an aborted sweep:
   * the outcome is E_ABORTED at once. The local pool terminates its worker thread and starts a
   * fresh one; a queue stops waiting for the job and asks its worker to end it (the worker
   * terminates the trial's thread; the job fails, so it is never read back as a result). Absent
   * where the executor cannot (trials in this thread). Never used on onnxruntime work.
   */
  terminate?(): void;
  /**
   * Takes back a job that has not started (a queued one), so no worker runs it: true if it was
   * taken back (its outcome is then E_ABORTED), false if a worker has it already. Absent where
   * every submitted job starts at once (the local pool runs `capacity` jobs, no more).
   */
  withdraw?(): Promise<boolean>;
  /** Never rejects. */
  readonly outcome: Promise<ExecutorOutcome<T>>;
}
