import { DistilleryError } from '@distillery/core';
import { formatCacheRejection, formatSweepTable, generateSoftLabels, sweep, type SweepResult } from '@distillery/runner';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { buildPipeline, logitCacheDirectory, runnerPoolFor } from '../pipeline/build-pipeline.js';
import { obtainTeacher } from '../pipeline/obtain-teacher.js';
import { writeReport } from '../report/index.js';
import { commonOverrides, defaultSweepDirectory, interruptSignal, progressFor, writeResolvedConfig, type CommonFlags } from './command-context.js';
import { sweepReportData } from './sweep-report-data.js';

export interface SweepOutcome {
  readonly directory: string;
  readonly result: SweepResult;
  readonly files: string[];
}

/**
 * `distillery sweep <config>`: the config's `sweep.grid` × `sweep.seeds`, one trial per worker,
 * each appended to <out>/trials.jsonl as it finishes. The default folder has no timestamp, so
 * running the same command again resumes the sweep.
 */
export async function sweepCommand(configFile: string, flags: CommonFlags): Promise<SweepOutcome> {
  const loaded = await loadConfig(configFile, commonOverrides(flags));
  const { config } = loaded;
  if (config.sweep === undefined) {
    throw new DistilleryError('E_CONFIG', `${loaded.path}: sweep: the config has no sweep section (add sweep.grid, e.g. { lambda: [0.5, 1], temperature: [2, 4] })`);
  }
  const pipeline = await buildPipeline(loaded);
  const directory = resolve(flags.out ?? defaultSweepDirectory(config.name));
  await writeResolvedConfig(directory, config);
  const progress = progressFor(flags);
  const resume = `Finished trials are kept in ${join(directory, 'trials.jsonl')}; run the same command again to resume.`;
  const { signal, release } = interruptSignal(progress, resume);
  const workers = config.workers ?? availableParallelism();
  const pool = runnerPoolFor(pipeline, Math.max(1, workers));
  try {
    const teacher = await obtainTeacher(pipeline, directory, progress, signal);
    const cache = logitCacheDirectory(pipeline, directory);
    const soft = await generateSoftLabels({ teacher: teacher.model, dataset: pipeline.train, pool, cache, onProgress: (p) => progress.softLabels(p), onCacheRejected: (r) => progress.note(formatCacheRejection(r)) });
    teacher.model.dispose();
    const result = await sweep({
      directory,
      base: pipeline.trialSpec,
      grid: config.sweep.grid,
      seeds: config.sweep.seeds,
      search: config.sweep.search,
      train: pipeline.train,
      test: pipeline.test,
      teacher: { logits: soft.logits },
      ...(workers === 0 ? { workers: 0 } : { pool }),
      signal,
      onProgress: (event) => progress.sweep(event),
    });
    progress.stop();
    const { files } = await writeReport(directory, await sweepReportData(directory, `${config.name}: sweep on ${pipeline.train.name}`));
    return { directory, result, files };
  } finally {
    progress.stop();
    release();
    await pool.destroy();
  }
}

export function formatSweepOutcome(o: SweepOutcome): string {
  const r = o.result;
  return `${formatSweepTable(r.summary)}\n\n${r.ran} trial(s) run, ${r.skipped} already done, ${r.failed} failed · ${(r.elapsedMs / 1000).toFixed(1)}s\nwritten to ${o.directory}\n`;
}
