import { DistilleryError } from '@distillery/core';
import { attempt, attemptAsync, checkFolder, checkSweepFeatures, checkSweepPlan, formatCacheRejection, formatStatusCounts, generateSoftLabels, sweep, writeFolderRecord, type BestStudent, type SweepResult } from '@distillery/runner';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { buildPipeline, folderRecordOf, logitCacheDirectory, runnerPoolFor } from '../pipeline/build-pipeline.js';
import { commandTeacher } from '../pipeline/command-teacher.js';
import { writeReport } from '../report/index.js';
import { teacherFlagFor } from '../command-line.js';
import { failureLines, formatSweepTerminal } from '../report/sweep-terminal.js';
import { wrapToWidth } from '../wrap-text.js';
import { commonOverrides, defaultSweepDirectory, interruptSignal, progressFor, teacherOverride, writeResolvedConfig, type CommonFlags } from './command-context.js';
import { queueTargetOf, sweepExecutor } from './executor-option.js';
import { sweepReportData } from './sweep-report-data.js';

export interface SweepOutcome {
  readonly directory: string;
  /** The config file the sweep ran (the command that trains its best setting names it). */
  readonly config: string;
  readonly result: SweepResult;
  readonly files: string[];
  /** Flags the run that trains the best setting must repeat: the sweep's `--seed`, and its teacher (`--teacher`). */
  readonly runFlags: readonly string[];
}

/**
 * `distillery sweep <config>`: the config's `sweep.grid` × `sweep.seeds`, one trial per worker,
 * each appended to <out>/trials.jsonl as it finishes. The default folder has no timestamp, so
 * running the same command again resumes the sweep.
 */
export interface SweepFlags extends CommonFlags {
  /** `--trial-timeout <seconds|auto>`, over the config's sweep.trialTimeout. */
  readonly trialTimeout?: number | 'auto';
}

export async function sweepCommand(configFile: string, flags: SweepFlags): Promise<SweepOutcome> {
  const loaded = await loadConfig(configFile, { ...commonOverrides(flags), ...teacherOverride(flags) });
  const { config } = loaded;
  const definition = config.sweep;
  if (definition === undefined) {
    throw new DistilleryError('E_CONFIG', `${loaded.path}: sweep: the config has no sweep section (add sweep.grid, e.g. { lambda: [0.5, 1], temperature: [2, 4] })`);
  }
  const pipeline = await buildPipeline(loaded);
  const { spec, run } = pipeline;
  const base = { data: spec.data, student: spec.student, distillation: spec.distillation };
  // The grid is checked against the spec before a teacher trains or a file is written.
  const planned = attempt(loaded.path, () => checkSweepPlan(base, definition.grid, definition.seeds, definition.search, run.registry, run.train));
  // Feature terms of every combination (a layer pair in the grid) against the teacher's layers, before it trains.
  await attemptAsync(loaded.path, () => checkSweepFeatures(planned, run.registry, run.train, run.distillOptions.teacher, spec.seed));
  // Trials with feature terms run the teacher online: it stays loaded for the sweep.
  const online = planned.some((t) => t.spec.distillation.features.length > 0);
  const directory = resolve(flags.out ?? defaultSweepDirectory(config.name));
  const record = folderRecordOf(pipeline, 'sweep', { base, grid: definition.grid, seeds: definition.seeds, search: definition.search });
  await checkFolder(directory, record);
  await writeResolvedConfig(directory, config, pipeline.run.baseDir);
  await writeFolderRecord(directory, record);
  const progress = progressFor(flags);
  const resume = `Finished trials are kept in ${join(directory, 'trials.jsonl')}; run the same command again to resume.`;
  const { signal, release } = interruptSignal(progress, resume);
  const workers = config.workers ?? availableParallelism();
  const queue = await queueTargetOf(flags, pipeline);
  const pool = runnerPoolFor(pipeline, Math.max(1, workers));
  try {
    const teacher = await commandTeacher(pipeline, directory, progress, signal);
    const soft = await generateSoftLabels({
      teacher: teacher.model,
      dataset: run.train,
      pool,
      cache: logitCacheDirectory(pipeline, directory),
      signal,
      onProgress: (p) => progress.softLabels(p),
      onCacheRejected: (r) => progress.note(formatCacheRejection(r)),
    });
    if (!online) teacher.model.dispose();
    const result = await sweep({
      directory,
      base,
      grid: definition.grid,
      seeds: definition.seeds,
      search: definition.search,
      train: run.train,
      test: run.test,
      teacher: { logits: soft.logits, fingerprint: soft.teacherFingerprint, ...(online ? { model: teacher.model } : {}) },
      // Where trials run: on the queue's workers, in this thread (--workers 0), or in the pool.
      ...(queue !== undefined ? { plugins: config.plugins, baseDir: run.baseDir } : workers === 0 ? { workers: 0, plugins: config.plugins, baseDir: run.baseDir } : { pool }),
      ...(queue === undefined ? {} : { executor: sweepExecutor(queue, pipeline, { root: logitCacheDirectory(pipeline, directory), teacherFingerprint: soft.teacherFingerprint }, (text) => progress.note(text)) }),
      signal,
      saveBest: true,
      ...(definition.pruner === undefined ? {} : { pruner: definition.pruner }),
      ...trialTimeoutOf(flags.trialTimeout ?? definition.trialTimeout),
      onProgress: (event) => {
        if (event.type === 'start' && event.validation.carved) {
          progress.note(`[sweep] no validation split configured (data.validationCount): carved ${event.validation.count} training examples (10%, at most 1,000; stratified) to choose on — the test set is only reported`);
        }
        progress.sweep(event);
      },
    });
    if (online) teacher.model.dispose();
    progress.stop();
    const { files } = await writeReport(directory, await sweepReportData(directory));
    return { directory, config: loaded.path, result, files, runFlags: runFlagsOf(flags, directory) };
  } finally {
    progress.stop();
    release();
    await pool.destroy();
  }
}

/**
 * What `distillery run` must be told to train what the sweep chose on: its `--seed` (the data
 * split and the teacher's initialisation), and its teacher — the one it loaded with --teacher, or
 * the one it trained and saved in its folder (the run then loads it instead of training another).
 */
function runFlagsOf(flags: SweepFlags, directory: string): string[] {
  return [...(flags.seed === undefined ? [] : ['--seed', String(flags.seed)]), ...teacherFlagFor(flags.teacher, directory)];
}

/** "seed 2, epoch 5": which trial and which of its epochs the saved student is. */
const describeBest = (b: BestStudent) => `seed ${b.seed}, epoch ${b.epoch}${b.validationAccuracy === undefined ? '' : `, validation ${(100 * b.validationAccuracy).toFixed(2)} %`}`;

/** Seconds (config, flag) to the sweep's milliseconds; 'auto' as it is. */
function trialTimeoutOf(seconds: number | 'auto' | undefined): { timeout?: number | 'auto' } {
  if (seconds === undefined) return {};
  return { timeout: seconds === 'auto' ? 'auto' : seconds * 1000 };
}

/** The sweep's closing text; `width`: the terminal's columns, when it is printed to one (long lines broken at spaces). */
export function formatSweepOutcome(o: SweepOutcome, width?: number): string {
  const r = o.result;
  const validation = `selection on ${r.validation.count} validation examples${r.validation.carved ? ' (carved from the training set: none was configured)' : ''}`;
  const best = r.bestStudent === undefined ? '' : `best student (${describeBest(r.bestStudent)}) saved in ${r.bestStudent.directory}\n`;
  const [table, rest] = formatSweepTerminal(r.summary, o.config, width, o.runFlags);
  const failures = failureLines(r.records).map((line) => `${line}\n`).join('');
  const after = `${rest}\n${validation}\n${best}${failures}\n${r.ran} trial(s) run, ${r.skipped} already done, ${r.failed} failed (all trials: ${formatStatusCounts(r.statuses)}) · ${(r.elapsedMs / 1000).toFixed(1)}s\nwritten to ${o.directory}\n`;
  return `${table}\n\n${wrapToWidth(after, width)}`;
}
