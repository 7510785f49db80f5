import { configError, type DistilleryErrorJSON } from '@distillery/core';
import type { ExecutionHandle, Executor, ExecutorOutcome, ExecutorProgress } from '../executor/executor.js';
import type { Pruner } from '../pruning/pruner.js';
import type { TrialEpoch, TrialResult } from '../trial/trial-spec.js';
import type { TrialRecord } from './results-store.js';
import type { PlannedTrial } from './sweep-plan.js';
import { divergedAtChance } from './trial-state.js';

/**
 * Per-trial time limit: milliseconds, or 'auto' — 5 × the median duration of the trials that
 * finished ok in this run, once 3 have (none before that).
 */
export type TrialTimeout = number | 'auto';

export const AUTO_TIMEOUT_FACTOR = 5;
const AUTO_TIMEOUT_MIN_TRIALS = 3;

export interface SchedulerOptions {
  readonly executor: Executor;
  readonly trials: readonly PlannedTrial[];
  readonly pruner?: Pruner;
  readonly timeout?: TrialTimeout;
  /** After a cooperative stop (timeout), how long a trial has to end before its worker is replaced (default 10 s). */
  readonly graceMs?: number;
  /**
   * After an abort (Ctrl-C), how long running trials have to finish on their own (they are then
   * recorded as usual) before they are stopped and their workers ended, unrecorded (default 5 s).
   */
  readonly abortGraceMs?: number;
  readonly signal?: AbortSignal;
  /** Classes of the dataset: "at chance" is judged against 1 / classes. */
  readonly numClasses: number;
  readonly onProgress?: (trial: PlannedTrial, progress: ExecutorProgress) => void;
  /** Each trial's final record, in the order they end (append it to the store here). */
  readonly onRecord: (record: TrialRecord) => Promise<void>;
}

interface Running {
  readonly trial: PlannedTrial;
  readonly handle: ExecutionHandle<TrialResult>;
  /** When it started running (for a queue: when a worker took it; undefined while it waits). */
  startedAt: number | undefined;
  readonly retried: boolean;
  readonly epochs: TrialEpoch[];
  /** Why it was asked to stop, and when (a stop that is not answered within the grace ends its worker). */
  stop?: { readonly why: 'pruned' | 'timed-out' | 'aborted'; readonly at: number; readonly reason: string; readonly epoch?: number };
  terminated?: boolean;
}

/**
 * Runs a sweep's trials on an executor, `capacity` at a time, and turns every way a trial can
 * end into one record: ok, pruned (the pruner's decision, at an epoch), timed-out (past the
 * limit: stopped at its next epoch, or its worker replaced after the grace period), diverged
 * (E_DIVERGED, or at chance with a growing loss), failed. A trial whose worker died (exit, out
 * of memory, crash) is retried once on a fresh worker; deterministic errors are not retried.
 * On abort no trial is started; running ones have `abortGraceMs` to finish (and are recorded),
 * then are ended — their workers terminated — and not recorded: a resumed sweep runs them again.
 */
export async function scheduleTrials(options: SchedulerOptions): Promise<void> {
  const { executor, signal } = options;
  const graceMs = options.graceMs ?? 10_000;
  const abortGraceMs = options.abortGraceMs ?? 5_000;
  if (typeof options.timeout === 'number' && !(options.timeout > 0)) throw configError('timeout', "a positive number of milliseconds or 'auto'", options.timeout);
  const queue = [...options.trials];
  const running = new Set<Running>();
  /** The first error recording a trial: the sweep stops and throws it. */
  let failure: { error: unknown } | undefined;
  const finishedMs: number[] = [];
  let wake: (() => void) | undefined;
  const changed = () => wake?.();

  const limit = (): number | undefined => {
    if (options.timeout === undefined) return undefined;
    if (options.timeout !== 'auto') return options.timeout;
    if (finishedMs.length < AUTO_TIMEOUT_MIN_TRIALS) return undefined;
    const sorted = [...finishedMs].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return AUTO_TIMEOUT_FACTOR * median;
  };

  const requestStop = (r: Running, why: NonNullable<Running['stop']>['why'], reason: string, epoch?: number) => {
    if (r.stop !== undefined) return;
    r.stop = { why, at: Date.now(), reason, ...(epoch === undefined ? {} : { epoch }) };
    r.handle.stop();
  };

  const start = (trial: PlannedTrial, retried: boolean) => {
    // Filled in right after submit; the callbacks that read it run later, as epochs arrive.
    const ref: { entry?: Running } = {};
    const epochs: TrialEpoch[] = [];
    const handle = executor.submit(
      { type: 'trial', trial: { id: trial.id, params: trial.params, seed: trial.seed, spec: trial.spec } },
      {
        onStart: () => {
          if (ref.entry !== undefined) ref.entry.startedAt ??= Date.now();
        },
        onProgress: (progress) => {
          // A job found already running (a resumed sweep) never says it started: its first epoch does.
          if (ref.entry !== undefined) ref.entry.startedAt ??= Date.now();
          if (progress.epoch !== undefined) epochs.push(progress.epoch);
          options.onProgress?.(trial, progress);
        },
        ...(options.pruner === undefined ? {} : { decide: (progress: ExecutorProgress) => decide(options.pruner!, ref.entry, progress) }),
      },
    );
    const entry: Running = { trial, handle, startedAt: executor.reportsStart === true ? undefined : Date.now(), retried, epochs };
    ref.entry = entry;
    running.add(entry);
    void handle.outcome
      .then((outcome) => settle(entry, outcome))
      .catch((error: unknown) => {
        // A record that cannot be kept (onRecord threw: the folder gone, the disk full) ends the
        // sweep with that error, not as an unhandled rejection; the loop below stops the rest.
        failure ??= { error };
        running.delete(entry);
        changed();
      });
  };

  const decide = (pruner: Pruner, r: Running | undefined, progress: ExecutorProgress): 'continue' | 'stop' => {
    const value = progress.epoch?.validationAccuracy;
    if (r === undefined || value === undefined || r.stop !== undefined) return 'continue';
    // The last epoch is reported (it fills ASHA's top rung) but not pruned: the trial has finished.
    if (pruner.report(r.trial.id, progress.done, value) === 'continue' || progress.done >= progress.total) return 'continue';
    requestStop(r, 'pruned', `${pruner.name} pruner: validation accuracy ${(100 * value).toFixed(2)}% at epoch ${progress.done} is below its rule`, progress.done);
    return 'stop';
  };

  const settle = async (r: Running, outcome: ExecutorOutcome<TrialResult>) => {
    try {
      const record = recordOf(r, outcome, options.numClasses, signal?.aborted === true);
      if (record === 'retry') {
        if (signal?.aborted !== true) {
          running.delete(r);
          start(r.trial, true);
          return;
        }
      } else if (record !== undefined) {
        if (record.status === 'ok') {
          finishedMs.push(Date.now() - (r.startedAt ?? Date.now()));
          options.pruner?.complete(r.trial.id);
        }
        await options.onRecord(record);
      }
      running.delete(r);
    } finally {
      changed();
    }
  };

  let abortedAt: number | undefined;
  const onAbort = () => {
    abortedAt = Date.now();
    // Jobs no worker has started (a queue holds every trial of the sweep) are taken back at once:
    // they are not recorded, and a resumed sweep submits them again.
    for (const r of running) if (r.handle.withdraw !== undefined && r.stop === undefined) void r.handle.withdraw().catch(() => false);
    changed();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  // Time limits and grace periods are checked on a tick, so a limit that appears later ('auto') applies to trials already running.
  const ticker = setInterval(() => {
    const now = Date.now();
    const ms = limit();
    const abortExpired = abortedAt !== undefined && now - abortedAt > abortGraceMs;
    for (const r of running) {
      if (abortExpired && r.stop?.why !== 'aborted') {
        // Out of time to finish: ended now and not recorded (the next run of the sweep runs it again).
        r.stop = { why: 'aborted', at: now, reason: 'the sweep was stopped' };
        r.handle.stop();
        if (r.handle.terminate !== undefined) {
          r.terminated = true;
          r.handle.terminate();
        }
        continue;
      }
      if (r.stop === undefined && ms !== undefined && r.startedAt !== undefined && now - r.startedAt > ms) {
        requestStop(r, 'timed-out', `ran past the trial time limit of ${(ms / 1000).toFixed(1)} s`, r.epochs.length);
      }
      if (r.stop !== undefined && r.terminated !== true && r.stop.why === 'timed-out' && now - r.stop.at > graceMs && r.handle.terminate !== undefined) {
        r.terminated = true;
        r.handle.terminate();
      }
    }
  }, 100);
  try {
    for (;;) {
      if (failure !== undefined) {
        // Nothing more can be recorded: queued jobs are taken back, running ones ended (not waited for).
        for (const r of running) {
          if (r.handle.withdraw !== undefined) void r.handle.withdraw().catch(() => false);
          r.handle.stop();
          r.handle.terminate?.();
        }
        throw failure.error;
      }
      while (signal?.aborted !== true && queue.length > 0 && running.size < executor.capacity) start(queue.shift()!, false);
      if (running.size === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    clearInterval(ticker);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** A finished attempt as a record; 'retry' for a dead worker's first attempt; undefined when stopped by an abort. */
function recordOf(r: Running, outcome: ExecutorOutcome<TrialResult>, numClasses: number, aborted: boolean): TrialRecord | 'retry' | undefined {
  const base = { id: r.trial.id, params: r.trial.params, seed: r.trial.seed, finishedAt: new Date().toISOString(), ...(r.retried ? { retried: true } : {}) };
  if (r.stop?.why === 'aborted') return undefined;
  // Taken back or ended by the abort (a queued job withdrawn): run again by a resumed sweep.
  if (aborted && !outcome.ok && outcome.error.code === 'E_ABORTED') return undefined;
  const elapsedMs = Date.now() - (r.startedAt ?? Date.now());
  if (outcome.ok) {
    const result = outcome.value;
    if (r.stop?.why === 'pruned' || r.stop?.why === 'timed-out') {
      // A pruned trial keeps the epochs up to its decision (the pool stops it there; others may run one more).
      const epochs = r.stop.why === 'pruned' ? result.epochs.slice(0, r.stop.epoch) : result.epochs;
      return { ...base, status: r.stop.why, reason: r.stop.reason, stoppedAtEpoch: epochs.length, epochs, ...bestAndLast(epochs), elapsedMs };
    }
    const atChance = divergedAtChance(result.epochs, numClasses);
    if (atChance !== undefined) {
      return { ...base, status: 'diverged', reason: atChance, error: divergedJSON(atChance), stoppedAtEpoch: result.epochs.length, epochs: result.epochs };
    }
    return { ...base, status: 'ok', best: result.best, last: result.last, epochs: result.epochs, elapsedMs: result.elapsedMs };
  }
  const { error } = outcome;
  if (r.stop?.why === 'timed-out') {
    // A queue's worker is on another machine: the coordinator stops waiting and asks that worker to end the trial.
    const remote = error.details?.['abandoned'] === true;
    const reason = remote
      ? `${r.stop.reason}; it did not stop at an epoch within the grace period, so ${error.message}`
      : `${r.stop.reason}; it did not stop at an epoch within the grace period, so its worker was replaced`;
    return { ...base, status: 'timed-out', reason, stoppedAtEpoch: r.epochs.length, epochs: r.epochs, ...bestAndLast(r.epochs), elapsedMs };
  }
  if (error.code === 'E_WORKER_DIED' && !r.retried) return 'retry';
  const status = error.code === 'E_DIVERGED' ? 'diverged' : 'failed';
  return { ...base, status, reason: `${error.code}: ${error.message}`, error, stoppedAtEpoch: r.epochs.length, ...(r.epochs.length > 0 ? { epochs: r.epochs } : {}) };
}

function bestAndLast(epochs: readonly TrialEpoch[]): { best?: TrialEpoch; last?: TrialEpoch } {
  if (epochs.length === 0) return {};
  const best = epochs.reduce((a, b) => ((b.validationAccuracy ?? b.testAccuracy) > (a.validationAccuracy ?? a.testAccuracy) ? b : a));
  return { best, last: epochs[epochs.length - 1]! };
}

function divergedJSON(message: string): DistilleryErrorJSON {
  return { name: 'DistilleryError', code: 'E_DIVERGED', message: `training diverged: ${message}` };
}
