import { DistilleryError, checkCallOptions, type Dataset, type Model, type OptionKeys, type TeacherLogits } from '@distillery/core';
import { pluginModuleKey, type PluginModules } from '../builtin-registry.js';
import type { CacheRejection } from '../cache/logit-cache.js';
import type { Executor } from '../executor/executor.js';
import { checkWorkerCount, type RunnerPool } from '../pool/runner-pool.js';
import type { TeacherPayload } from '../protocol.js';
import type { PrunerConfig } from '../pruning/pruner.js';
import type { TrialSpecInput } from '../spec/run-spec.js';
import type { TrialEpoch } from '../trial/trial-spec.js';
import type { TrialRecord, TrialStatus } from './results-store.js';
import type { BestStudent } from './save-best-student.js';
import type { SweepSummary } from './summarize.js';
import type { SearchStrategy, SweepGrid } from './sweep-plan.js';
import type { TrialTimeout } from './trial-scheduler.js';

export interface SweepOptions extends PluginModules {
  /** The sweep's folder: results are appended here as trials finish; re-running resumes. */
  readonly directory: string;
  /** The run spec's data (split), student and distillation sections; the grid sets paths in it. */
  readonly base: TrialSpecInput;
  readonly grid: SweepGrid;
  readonly seeds: readonly number[];
  readonly search?: SearchStrategy;
  readonly train: Dataset;
  readonly test: Dataset;
  /**
   * The teacher (its logits on `train` are generated once, cached if `cache` is set) or its
   * logits. Trials with feature terms run the teacher itself online: give `model` beside the
   * logits then (it is not disposed here).
   */
  readonly teacher: { readonly model: Model; readonly cache?: string } | { readonly logits: TeacherLogits; readonly fingerprint?: string; readonly model?: Model };
  /**
   * Trials run one per worker, in a pool the sweep makes. 0 runs them one after another in this
   * thread. Leave it out with `pool` (its count is used) or `executor` (its workers run them).
   */
  readonly workers?: number;
  readonly pool?: RunnerPool;
  readonly onProgress?: (event: SweepProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * Where trials run instead of the pool (e.g. a `QueueExecutor` across machines), made for
   * this sweep once its fingerprint and teacher logits are known; closed when the sweep ends.
   * `teacher` is the teacher's serialisable form when some trial has feature terms. `supersedes`:
   * the fingerprint of the sweep this one extends in its folder (more seeds or grid values), whose
   * jobs a queue should drop where they still wait (this sweep submits its own, under its own ids).
   */
  readonly executor?: (context: { readonly sweep: string; readonly teacherLogits: TeacherLogits; readonly teacher?: TeacherPayload; readonly supersedes?: string }) => Promise<Executor>;
  /** Stop trials early on their validation accuracy per epoch (`median` or `asha`); part of the sweep's definition. */
  readonly pruner?: PrunerConfig;
  /** Per-trial time limit in ms, or 'auto' (5 × the median finished trial, once 3 have); default none. */
  readonly timeout?: TrialTimeout;
  /** How long a trial past its limit has to stop at an epoch before its worker is replaced (default 10 s). */
  readonly graceMs?: number;
  /** On abort (Ctrl-C), how long running trials have to finish before they are ended, unrecorded (default 5 s; a queue's unstarted trials are taken back at once). */
  readonly abortGraceMs?: number;
  /**
   * Save the best student (the validation-chosen combination's best seed, at its chosen epoch)
   * to `<directory>/best-student/`, retrained in this thread once the trials are done. Default false.
   */
  readonly saveBest?: boolean;
}

export type SweepProgress =
  | { readonly type: 'start'; readonly total: number; readonly skipped: number; readonly validation: { readonly count: number; readonly carved: boolean } }
  /** A logit-cache file was found unusable and is regenerated (print it with `formatCacheRejection`). */
  | { readonly type: 'cache:rejected'; readonly rejection: CacheRejection }
  /** `worker` names a queue worker (`host/pid`) when trials run on an executor. */
  | {
      readonly type: 'trial:epoch';
      readonly id: string;
      readonly threadId: number;
      readonly worker?: string;
      readonly epoch: number;
      readonly epochs: number;
      /** The trial's grid values and seed, and the epoch just finished (losses, validation), for progress rows. */
      readonly params?: Readonly<Record<string, unknown>>;
      readonly seed?: number;
      readonly last?: TrialEpoch;
    }
  | { readonly type: 'trial:end'; readonly record: TrialRecord; readonly finished: number; readonly total: number };

export interface SweepResult {
  readonly records: readonly TrialRecord[];
  readonly summary: SweepSummary;
  /** The validation split trials select on; `carved` when the base spec had none and the sweep made one. */
  readonly validation: { readonly count: number; readonly carved: boolean };
  /** Trials found finished in the folder and not run again. */
  readonly skipped: number;
  readonly ran: number;
  /** Trials of this run that failed (other ways to end are in `statuses`). */
  readonly failed: number;
  /** Every trial of the sweep by state, this run's and earlier ones'. */
  readonly statuses: Readonly<Record<TrialStatus, number>>;
  readonly elapsedMs: number;
  /** With `saveBest`, the saved best student (absent when no trial has a best). */
  readonly bestStudent?: BestStudent;
}

const SWEEP_OPTIONS: OptionKeys<SweepOptions> = {
  directory: true, base: true, grid: true, seeds: true, search: true, train: true, test: true, teacher: true, workers: true, pool: true, onProgress: true,
  signal: true, executor: true, pruner: true, timeout: true, graceMs: true, abortGraceMs: true, saveBest: true, plugins: true, baseDir: true,
};

const TEACHER_MODEL_OPTIONS: OptionKeys<Exclude<SweepOptions['teacher'], { readonly logits: TeacherLogits }>> = { model: true, cache: true };
const TEACHER_LOGITS_OPTIONS: OptionKeys<Extract<SweepOptions['teacher'], { readonly logits: TeacherLogits }>> = { logits: true, fingerprint: true, model: true };

/** Every check of a sweep's options that needs no data: their keys, the teacher's, the worker count. */
export function checkSweepOptions(options: SweepOptions): void {
  checkCallOptions('sweep', options, SWEEP_OPTIONS, ['directory', 'base', 'grid', 'seeds', 'train', 'test', 'teacher']);
  // The teacher, or its logits (with the teacher beside them for feature terms).
  if (typeof options.teacher === 'object' && options.teacher !== null && 'logits' in options.teacher) checkCallOptions('sweep teacher', options.teacher, TEACHER_LOGITS_OPTIONS, ['logits']);
  else checkCallOptions('sweep teacher', options.teacher, TEACHER_MODEL_OPTIONS, ['model']);
  checkWorkerCount('sweep', options, 'trials one after another in this thread');
}

/**
 * The plugin modules the sweep's trials load. A given pool brings its own: its workers loaded
 * them at start-up and cannot take more, so a module named in `plugins` that the pool lacks is
 * refused here (every trial naming its plugin would fail in the pool as an unknown name).
 */
export function sweepPluginModules(options: SweepOptions): Required<PluginModules> {
  const own = { plugins: options.plugins ?? [], baseDir: options.baseDir ?? process.cwd() };
  if (options.pool === undefined) return own;
  const poolModules = options.pool.plugins;
  const loaded = new Set(poolModules.plugins.map((p) => pluginModuleKey(p, poolModules.baseDir)));
  const missing = own.plugins.filter((p) => !loaded.has(pluginModuleKey(p, own.baseDir)));
  if (missing.length > 0) {
    const named = missing.map((p) => JSON.stringify(p)).join(', ');
    throw new DistilleryError(
      'E_CONFIG',
      `sweep plugins: the given pool's workers were not started with ${named} (a RunnerPool's workers load their plugin modules once, at start-up): ` +
        `create the pool with them, new RunnerPool({ plugins: [${named}] }), or leave out pool and the sweep makes its own`,
      { details: { missing } },
    );
  }
  return poolModules;
}
