import { DistilleryError, createServiceContainer, pluginServices, shareDataset } from '@distillery/core';
import { createPluginRegistry } from '../builtin-registry.js';
import { FolderLock } from '../lock/folder-lock.js';
import type { Executor, ExecutorProgress } from '../executor/executor.js';
import { RunnerPool } from '../pool/runner-pool.js';
import { sweepFingerprint } from '../queue/trial-job.js';
import { checkPlannedTrials, onlineTeacherPayload } from './check-sweep-plan.js';
import { generateSoftLabels } from '../soft-labels/generate-soft-labels.js';
import { defaultValidationCount } from '../run/split-run.js';
import { parseWith, trialSpecSchema } from '../spec/run-spec.js';
import { PoolExecutor, ThreadExecutor, type TrialData } from '../executor/pool-executor.js';
import { createPruner, replayIntoPruner } from '../pruning/pruner.js';
import { SETTLED_STATUSES, SweepResultsStore, type TrialRecord } from './results-store.js';
import { scheduleTrials } from './trial-scheduler.js';
import { countStatuses, formatStatusCounts } from './trial-state.js';
import { planSweep, type PlannedTrial } from './sweep-plan.js';
import { formatSweepTable, summarizeTrials } from './summarize.js';
import { saveBestStudent } from './save-best-student.js';
import { checkSweepOptions, sweepPluginModules, type SweepOptions, type SweepResult } from './sweep-options.js';

export type { SweepOptions, SweepProgress, SweepResult } from './sweep-options.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';


/**
 * A λ × T (× any option) sweep: each trial (combination × seed) is one task in the worker pool
 * (or on an executor), appended to `trials.jsonl` the moment it ends, in one of the states of
 * `TrialStatus` (see trial-scheduler.ts for timeouts, retries and pruning). A killed sweep, run
 * again on the same folder, runs only what is left: failed trials and those never recorded.
 */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  checkSweepOptions(options);
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
