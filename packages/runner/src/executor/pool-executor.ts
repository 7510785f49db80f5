import { DistilleryError, isDistilleryError, type DistilleryErrorJSON, type PluginContext, type PluginRegistry, type SharedDataset } from '@distillery/core';
import type { RunnerPool } from '../pool/runner-pool.js';
import type { TeacherPayload } from '../protocol.js';
import { runTrial } from '../trial/run-trial.js';
import type { TrialResult, TrialTask } from '../trial/trial-spec.js';
import type { ExecutionHandle, Executor, ExecutorJob, ExecutorOutcome, ExecutorProgress, ExecutorResultOf, SubmitOptions, TrialSubmission } from './executor.js';

/** The data every trial of one sweep shares, in shared memory. */
export interface TrialData {
  readonly train: SharedDataset;
  readonly test: SharedDataset;
  /** Raw teacher logits for every example of `train`, row i ↔ example i. */
  readonly teacherLogits: Float32Array;
  /** The teacher in its one serialisable form, for trials with feature terms (they run it online). */
  readonly teacher?: TeacherPayload;
}

/** A trial submission and the sweep's data: the task a worker runs (the teacher only for a trial with feature terms). */
export function trialTask(trial: TrialSubmission, data: TrialData): TrialTask {
  const online = trial.spec.distillation.features.length > 0 && data.teacher !== undefined;
  return {
    id: trial.id,
    params: trial.params,
    seed: trial.seed,
    spec: trial.spec,
    train: data.train,
    test: data.test,
    teacherLogits: data.teacherLogits,
    ...(online ? { teacher: data.teacher } : {}),
  };
}

/**
 * Trials on the local worker pool. A stop is a flag the trial reads between epochs; with a
 * `decide` callback the worker also waits after each epoch for the decision (so a pruned trial
 * stops at the epoch it was pruned at, whatever the timing); `terminate` ends a trial that no
 * longer answers by terminating its worker thread (tfjs only: trials never run onnxruntime).
 */
export class PoolExecutor implements Executor {
  readonly description: string;
  readonly capacity: number;

  constructor(
    private readonly pool: RunnerPool,
    private readonly data: TrialData,
  ) {
    this.description = `local pool (${pool.workers} thread${pool.workers === 1 ? '' : 's'})`;
    this.capacity = pool.workers;
  }

  submit<J extends ExecutorJob>(job: J, options: SubmitOptions = {}): ExecutionHandle<ExecutorResultOf<J>> {
    if (job.type !== 'trial') return refused(job) as ExecutionHandle<ExecutorResultOf<J>>;
    const { trial } = job;
    const flag = new Int32Array(new SharedArrayBuffer(8));
    const controller = new AbortController();
    const onMessage = (m: { threadId: number; done: number; total: number; epoch?: ExecutorProgress['epoch'] }) => {
      const progress: ExecutorProgress = { id: trial.id, done: m.done, total: m.total, worker: `thread ${m.threadId}`, ...(m.epoch === undefined ? {} : { epoch: m.epoch }) };
      options.onProgress?.(progress);
      if (options.decide !== undefined && m.epoch !== undefined) {
        if (options.decide(progress) === 'stop') Atomics.store(flag, 0, 1);
        Atomics.store(flag, 1, m.done);
        Atomics.notify(flag, 1);
      }
    };
    const outcome = settle(
      this.pool.run<TrialResult>(
        { type: 'trial', trial: trialTask(trial, this.data), stop: flag.buffer as SharedArrayBuffer, waitForDecision: options.decide !== undefined },
        onMessage,
        { signal: controller.signal },
      ),
    );
    return {
      id: trial.id,
      stop: () => {
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 1);
      },
      terminate: () => controller.abort(),
      outcome: outcome as Promise<ExecutorOutcome<ExecutorResultOf<J>>>,
    };
  }

  /** The pool belongs to whoever made it: closing the executor leaves it running. */
  async close(): Promise<void> {}
}

/**
 * Trials one after another in this thread (a sweep with `workers: 0`): the same trial code, no
 * threads. A stop or a pruning decision ends a trial at its next epoch; there is nothing to
 * terminate, so a hung trial here cannot be ended — sweeps with a timeout use workers.
 */
export class ThreadExecutor implements Executor {
  readonly description = 'this thread';
  readonly capacity = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly context: PluginContext,
    private readonly data: TrialData,
  ) {}

  submit<J extends ExecutorJob>(job: J, options: SubmitOptions = {}): ExecutionHandle<ExecutorResultOf<J>> {
    if (job.type !== 'trial') return refused(job) as ExecutionHandle<ExecutorResultOf<J>>;
    const { trial } = job;
    let stopped = false;
    const run = async () => {
      let decision: 'continue' | 'stop' = 'continue';
      return runTrial(trialTask(trial, this.data), this.registry, this.context, {
        onEpoch: (done, total, epoch) => {
          const progress: ExecutorProgress = { id: trial.id, done, total, worker: 'thread 0', epoch };
          options.onProgress?.(progress);
          decision = options.decide?.(progress) ?? 'continue';
        },
        shouldStop: () => stopped || decision === 'stop',
      });
    };
    const outcome = settle(this.queue.then(run));
    this.queue = outcome;
    return {
      id: trial.id,
      stop: () => {
        stopped = true;
      },
      outcome: outcome as Promise<ExecutorOutcome<ExecutorResultOf<J>>>,
    };
  }

  async close(): Promise<void> {
    await this.queue;
  }
}

function refused(job: ExecutorJob): ExecutionHandle<unknown> {
  const id = job.type === 'shard' ? `${job.shard.start}-${job.shard.end}` : job.trial.id;
  const error = new DistilleryError('E_INTERNAL', 'this executor runs trials; soft-label shards go through generateSoftLabels').toJSON();
  return { id, stop: () => undefined, outcome: Promise.resolve({ ok: false, error }) };
}

async function settle<T>(work: Promise<T>): Promise<ExecutorOutcome<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error: errorJSON(error) };
  }
}

export function errorJSON(error: unknown): DistilleryErrorJSON {
  if (isDistilleryError(error)) return error.toJSON();
  return new DistilleryError('E_INTERNAL', error instanceof Error ? error.message : String(error)).toJSON();
}
