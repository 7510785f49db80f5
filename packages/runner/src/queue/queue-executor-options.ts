import { checkCallOptions, type OptionKeys } from '@distillery/core';
import type { TeacherPayload } from '../protocol.js';
import type { LogitsAddress } from './logit-store.js';
import type { DatasetSpec } from './trial-job.js';

export interface QueueExecutorOptions {
  readonly url: string;
  readonly queue?: string;
  /** The sweep's fingerprint: with the trial id, it makes the job id. */
  readonly sweep: string;
  /**
   * Fingerprints of sweeps this one replaces (the folder's sweep before it was extended): their
   * jobs still waiting in the queue (a coordinator killed mid-sweep left them) are removed at
   * open, not run by workers for results no one collects. Running and finished jobs are left.
   */
  readonly supersedes?: readonly string[];
  readonly dataset: DatasetSpec;
  /** Plugin modules the config names (workers must allow them). */
  readonly plugins?: readonly string[];
  /** For trials: the teacher's logits on the training split (sent once, by content). */
  readonly teacherLogits?: { readonly values: Float32Array; readonly numClasses: number };
  /**
   * The teacher in its serialisable form: for soft-label shards (with examples per forward
   * batch), and for trials with feature terms, which run it online on the worker.
   */
  readonly teacher?: { readonly payload: TeacherPayload; readonly batchSize?: number };
  /** The logit-cache entry the logits are in, for workers that can read that folder. */
  readonly logitCache?: LogitsAddress['cache'];
  /** Tries per trial before it is recorded as failed (default 2). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Jobs kept submitted at once (default: all of them; workers pull what they can run). */
  readonly capacity?: number;
  /**
   * What a person watching the coordinator should know, as one line each: jobs that have waited
   * `waitingNoticeMs` (default 15 s) with no worker connected to the queue (said once, and again
   * after a worker that had connected is gone; the jobs run when one connects), and Redis lost and
   * back (said once each, not per retry; without a listener BullMQ prints every retry's error
   * with its stack). Nothing is stopped by either.
   */
  readonly onNotice?: (message: string) => void;
  readonly waitingNoticeMs?: number;
}

const QUEUE_EXECUTOR_OPTIONS: OptionKeys<QueueExecutorOptions> = {
  url: true, queue: true, sweep: true, supersedes: true, dataset: true, plugins: true, teacherLogits: true, teacher: true, logitCache: true, attempts: true, backoffMs: true, capacity: true, onNotice: true, waitingNoticeMs: true,
};

/** The options' keys, for a caller no compiler checks (see checkCallOptions). */
export function checkQueueExecutorOptions(options: QueueExecutorOptions): void {
  checkCallOptions('QueueExecutor.open', options, QUEUE_EXECUTOR_OPTIONS, ['url', 'sweep', 'dataset']);
}
