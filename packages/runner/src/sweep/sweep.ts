import { DistilleryError, checkCallOptions, createServiceContainer, type OptionKeys, pluginServices, shareDataset, type Dataset, type Model, type TeacherLogits } from '@distillery/core';
import { createPluginRegistry, pluginModuleKey, type PluginModules } from '../builtin-registry.js';
import type { CacheRejection } from '../cache/logit-cache.js';
import { FolderLock } from '../lock/folder-lock.js';
import type { Executor, ExecutorProgress } from '../executor/executor.js';
import { RunnerPool, checkWorkerCount } from '../pool/runner-pool.js';
import { sweepFingerprint } from '../queue/trial-job.js';
import { checkPlannedTrials, onlineTeacherPayload } from './check-sweep-plan.js';
import { generateSoftLabels } from '../soft-labels/generate-soft-labels.js';
import type { TeacherPayload } from '../protocol.js';
import { defaultValidationCount } from '../run/split-run.js';
import { parseWith, trialSpecSchema, type TrialSpecInput } from '../spec/run-spec.js';
import type { TrialEpoch } from '../trial/trial-spec.js';
import { PoolExecutor, ThreadExecutor, type TrialData } from '../executor/pool-executor.js';
import { createPruner, replayIntoPruner, type PrunerConfig } from '../pruning/pruner.js';
import { SETTLED_STATUSES, SweepResultsStore, type TrialRecord, type TrialStatus } from './results-store.js';
import { scheduleTrials, type TrialTimeout } from './trial-scheduler.js';
import { countStatuses, formatStatusCounts } from './trial-state.js';
import { planSweep, type PlannedTrial, type SearchStrategy, type SweepGrid } from './sweep-plan.js';
import { formatSweepTable, summarizeTrials, type SweepSummary } from './summarize.js';
import { saveBestStudent, type BestStudent } from './save-best-student.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

const TEACHER_MODEL_OPTIONS: OptionKeys<{ model: Model; cache?: string }> = { model: true, cache: true };
const TEACHER_LOGITS_OPTIONS: OptionKeys<{ logits: TeacherLogits; fingerprint?: string; model?: Model }> = { logits: true, fingerprint: true, model: true };

/**
 * A λ × T (× any option) sweep: each trial (combination × seed) is one task in the worker pool
 * (or on an executor), appended to `trials.jsonl` the moment it ends, in one of the states of
 * `TrialStatus` (see trial-scheduler.ts for timeouts, retries and pruning). A killed sweep, run
 * again on the same folder, runs only what is left: failed trials and those never recorded.
 */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  checkCallOptions('sweep', options, SWEEP_OPTIONS, ['directory', 'base', 'grid', 'seeds', 'train', 'test', 'teacher']);
  // The teacher, or its logits (with the teacher beside them for feature terms).
  if (typeof options.teacher === 'object' && options.teacher !== null && 'logits' in options.teacher) checkCallOptions('sweep teacher', options.teacher, TEACHER_LOGITS_OPTIONS, ['logits']);
  else checkCallOptions('sweep teacher', options.teacher, TEACHER_MODEL_OPTIONS, ['model']);
  checkWorkerCount('sweep', options, 'trials one after another in this thread');
  // One writer per sweep folder: a second sweep on it is refused, naming the one that holds it.
  const lock = await FolderLock.acquire(options.directory, 'sweep');
  try {
    return await sweepLocked(options);
  } finally {
    await lock.release();
  }
}

async function sweepLocked(options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const parsed = parseWith(trialSpecSchema, options.base, 'sweep base');
  // Selection never looks at the test set: without a configured validation split, carve one.
  const carved = parsed.data.validationCount === 0;
  const base = carved ? { ...parsed, data: { ...parsed.data, validationCount: defaultValidationCount(options.train.size) } } : parsed;
  const validation = { count: base.data.validationCount, carved };
  const pluginModules = sweepPluginModules(options);
  const registry = await createPluginRegistry(pluginModules);
  // `base` is parsed already: plan it and check its trials without parsing it a second time.
  const planned = planSweep(base, options.grid, options.seeds, options.search);
  checkPlannedTrials(planned, registry, options.train);
  const teacherPayload = await onlineTeacherPayload(planned, registry, options.train, options.teacher.model);
  const logits = 'logits' in options.teacher ? undefined : await generateSoftLabels({
    teacher: options.teacher.model,
    dataset: options.train,
    ...(options.pool === undefined ? {} : { pool: options.pool }),
    ...(options.teacher.cache === undefined ? {} : { cache: options.teacher.cache }),
    onCacheRejected: (rejection) => options.onProgress?.({ type: 'cache:rejected', rejection }),
  });
  const teacherLogits = 'logits' in options.teacher ? options.teacher.logits : logits!.logits;
  if (teacherLogits.size !== options.train.size) {
    throw new DistilleryError('E_SHAPE', `teacher logits cover ${teacherLogits.size} examples, the training set has ${options.train.size}`);
  }
  const teacherFingerprint = logits?.teacherFingerprint ?? ('logits' in options.teacher ? options.teacher.fingerprint : undefined);
  const store = new SweepResultsStore(options.directory);
  const definition = {
    base,
    grid: options.grid,
    seeds: options.seeds,
    search: options.search ?? { kind: 'grid' },
    train: options.train.fingerprint,
    test: options.test.fingerprint,
    ...(teacherFingerprint === undefined ? {} : { teacher: teacherFingerprint }),
    // Only when set, so folders of sweeps without pruning keep their definition.
    ...(options.pruner === undefined || options.pruner.kind === 'none' ? {} : { pruner: options.pruner }),
  };
  const { extended } = await store.open(definition);
  const { records } = await store.read();
  const todo = planned.filter((t) => !SETTLED_STATUSES.has(records.get(t.id)?.status ?? 'failed'));
  const skipped = planned.length - todo.length;
  options.onProgress?.({ type: 'start', total: planned.length, skipped, validation });
  const pruner = options.pruner === undefined ? undefined : createPruner(options.pruner, maxEpochs(planned));
  // A resumed sweep's pruner starts from what the folder holds, in the order it was recorded.
  if (pruner !== undefined) {
    const settled = [...records.values()].filter((r) => r.status === 'ok' || r.status === 'pruned');
    replayIntoPruner(pruner, settled.map((r) => ({ id: r.id, values: (r.epochs ?? []).map((e) => e.validationAccuracy ?? NaN), completed: r.status === 'ok' })));
  }

  let finished = skipped;
  let failed = 0;
  const onRecord = async (record: TrialRecord) => {
    if (record.status === 'failed') failed += 1;
    records.set(record.id, record);
    await store.append(record);
    finished += 1;
    options.onProgress?.({ type: 'trial:end', record, finished, total: planned.length });
  };
  const onTrialProgress = (t: PlannedTrial, p: ExecutorProgress) =>
    options.onProgress?.({
      type: 'trial:epoch',
      id: t.id,
      threadId: threadOf(p.worker),
      worker: p.worker,
      epoch: p.done,
      epochs: p.total,
      params: t.params,
      seed: t.seed,
      ...(p.epoch === undefined ? {} : { last: p.epoch }),
    });

  const data: TrialData = {
    train: shareDataset(options.train),
    test: shareDataset(options.test),
    teacherLogits: toShared(teacherLogits.values),
    ...(teacherPayload === undefined ? {} : { teacher: teacherPayload }),
  };
  const workers = options.pool?.workers ?? options.workers ?? 0;
  const ownPool = options.executor === undefined && options.pool === undefined && workers > 0 ? new RunnerPool({ workers, ...pluginModules }) : undefined;
  const pool = options.pool ?? ownPool;
  let executor: Executor;
  if (options.executor !== undefined) {
    executor = await options.executor({
      sweep: sweepFingerprint(definition),
      teacherLogits,
      ...(teacherPayload === undefined ? {} : { teacher: teacherPayload }),
      ...(extended === undefined ? {} : { supersedes: sweepFingerprint(extended) }),
    });
  }
  else if (pool !== undefined) executor = new PoolExecutor(pool, data);
  else executor = new ThreadExecutor(registry, { services: pluginServices(createServiceContainer()) }, data);
  try {
    await scheduleTrials({
      executor,
      trials: todo,
      numClasses: options.train.numClasses,
      onRecord,
      onProgress: onTrialProgress,
      ...(pruner === undefined ? {} : { pruner }),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      ...(options.abortGraceMs === undefined ? {} : { abortGraceMs: options.abortGraceMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } finally {
    await executor.close();
    await ownPool?.destroy();
  }

  const all = planned.map((t) => records.get(t.id)).filter((r): r is TrialRecord => r !== undefined);
  const summary = summarizeTrials(all, options.base.data?.selectOn);
  await writeFile(join(options.directory, 'results.md'), `${formatSweepTable(summary)}\n\ntrials: ${formatStatusCounts(countStatuses(all))}\n`);
  if (options.signal?.aborted === true) {
    throw new DistilleryError('E_ABORTED', `sweep stopped: ${finished} of ${planned.length} trials are in ${store.trialsFile}; run it again to finish`);
  }
  const bestStudent = options.saveBest === true ? await saveBestStudent(options.directory, summary, all, planned, data, registry) : undefined;
  return {
    records: all,
    summary,
    validation,
    skipped,
    ran: todo.length,
    failed,
    statuses: countStatuses(all),
    elapsedMs: performance.now() - started,
    ...(bestStudent === undefined ? {} : { bestStudent }),
  };
}

/**
 * The plugin modules the sweep's trials load. A given pool brings its own: its workers loaded
 * them at start-up and cannot take more, so a module named in `plugins` that the pool lacks is
 * refused here (every trial naming its plugin would fail in the pool as an unknown name).
 */
function sweepPluginModules(options: SweepOptions): Required<PluginModules> {
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

/** The most epochs any trial runs (ASHA's rungs go up to it). */
function maxEpochs(trials: readonly PlannedTrial[]): number {
  return Math.max(1, ...trials.map((t) => t.spec.student.train.epochs));
}

/** `thread 3` → 3 (the progress bars' key); a queue worker's `host/pid` → 0. */
function threadOf(worker: string): number {
  const match = /^thread (\d+)$/.exec(worker);
  return match === null ? 0 : Number(match[1]);
}

function toShared(values: Float32Array): Float32Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Float32Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}
