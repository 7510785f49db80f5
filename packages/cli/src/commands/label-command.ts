import { checkFolder, formatCacheRejection, generateSoftLabels, writeFolderRecord, type SoftLabelResult } from '@distillery/runner';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathBelow, pathForCommand, teacherFlagFor } from '../command-line.js';
import { loadConfig } from '../config/load-config.js';
import { buildPipeline, folderRecordOf, logitCacheDirectory, runnerPoolFor } from '../pipeline/build-pipeline.js';
import { commandTeacher } from '../pipeline/command-teacher.js';
import { labelExecutor, queueTargetOf } from './executor-option.js';
import { commonOverrides, defaultOutDirectory, interruptSignal, progressFor, teacherOverride, writeResolvedConfig, type CommonFlags } from './command-context.js';

export interface LabelOutcome {
  readonly directory: string;
  readonly cacheDirectory: string;
  readonly result: SoftLabelResult;
  readonly workers: number;
  readonly teacherAccuracy: number;
  /** The config file, and whether it names the cache (teacher.cache): then its runs and sweeps read these logits. */
  readonly config: string;
  readonly cacheConfigured: boolean;
  /** Where the config's relative paths (teacher.cache among them) are resolved from. */
  readonly baseDir: string;
  /** `--teacher DIR` for the run that uses these logits: the teacher that made them (see teacherFlagFor). */
  readonly teacherFlag: readonly string[];
}

/** `distillery label <config>`: only the teacher's logits, sharded over workers, into the cache. */
export async function labelCommand(configFile: string, flags: CommonFlags): Promise<LabelOutcome> {
  const loaded = await loadConfig(configFile, { ...commonOverrides(flags), ...teacherOverride(flags) });
  const pipeline = await buildPipeline(loaded);
  const { config } = pipeline;
  const directory = resolve(flags.out ?? defaultOutDirectory(config.name, 'label'));
  const record = folderRecordOf(pipeline, 'label', undefined);
  await checkFolder(directory, record);
  await writeResolvedConfig(directory, config, pipeline.run.baseDir);
  await writeFolderRecord(directory, record);
  const progress = progressFor(flags);
  const { signal, release } = interruptSignal(progress, 'Finished shards stay in the cache; run it again to compute the rest.');
  const workers = config.workers ?? availableParallelism();
  const cacheDirectory = logitCacheDirectory(pipeline, directory);
  const queue = await queueTargetOf(flags, pipeline);
  const pool = workers > 0 && queue === undefined ? runnerPoolFor(pipeline, workers) : undefined;
  try {
    const teacher = await commandTeacher(pipeline, directory, progress, signal);
    try {
      const result = await generateSoftLabels({
        teacher: teacher.model,
        dataset: pipeline.run.train,
        cache: cacheDirectory,
        ...(pool === undefined ? {} : { pool }),
        ...(queue === undefined ? {} : { executor: labelExecutor(queue, pipeline, (text) => progress.note(text)) }),
        signal,
        onProgress: (p) => progress.softLabels(p),
        onCacheRejected: (r) => progress.note(formatCacheRejection(r)),
      });
      const outcome = {
        directory,
        cacheDirectory,
        result,
        workers,
        teacherAccuracy: teacher.accuracy,
        config: loaded.path,
        cacheConfigured: config.teacher.cache !== undefined,
        baseDir: pipeline.run.baseDir,
        teacherFlag: teacherFlagFor(flags.teacher, directory),
      };
      await writeFile(join(directory, 'labels.json'), `${JSON.stringify(labelRecord(outcome), null, 2)}\n`);
      return outcome;
    } finally {
      teacher.model.dispose();
    }
  } finally {
    progress.stop();
    release();
    await pool?.destroy();
  }
}

/**
 * What `label` did, as data: written to the folder's labels.json and printed by `--json`, one
 * record for both. `workers` counts local threads; on a queue, `queueWorkers` names the workers
 * (`host/pid`) that computed shards instead.
 */
export function labelRecord(o: LabelOutcome) {
  const r = o.result;
  return {
    directory: o.directory,
    cacheDirectory: o.cacheDirectory,
    cache: r.cache,
    teacherFingerprint: r.teacherFingerprint,
    examples: r.logits.size,
    classes: r.logits.numClasses,
    examplesComputed: r.examplesComputed,
    teacherPasses: r.teacherPasses,
    ...(r.remoteWorkers === undefined ? { workers: o.workers } : { queueWorkers: r.remoteWorkers }),
    runtime: r.runtime,
    elapsedMs: r.elapsedMs,
    teacherAccuracy: o.teacherAccuracy,
    ...(r.rejectedShards.length === 0 ? {} : { rejectedShards: r.rejectedShards }),
  };
}

export function formatLabelOutcome(o: LabelOutcome): string {
  const r = o.result;
  // On a queue: the workers that took its shards, by host/pid (the local count means nothing there).
  const where = r.remoteWorkers !== undefined ? `on ${r.remoteWorkers.length} queue worker(s): ${r.remoteWorkers.join(', ')}` : o.workers === 0 ? 'in this thread' : `on ${o.workers} worker(s)`;
  const rate = r.examplesComputed === 0 ? 'no teacher pass needed' : `${Math.round(r.examplesComputed / (r.elapsedMs / 1000))} examples/s ${where}`;
  return `teacher logits for ${r.logits.size} examples × ${r.logits.numClasses} classes: cache ${r.cache} (${rate})\nteacher test accuracy ${(100 * o.teacherAccuracy).toFixed(2)}%\ncache: ${o.cacheDirectory}\n${useThem(o)}\n`;
}

/**
 * How a run or sweep reads these logits instead of computing them: the same teacher (the one
 * that made them, loaded: a teacher trained again costs its training), and the cache named in
 * the config — without teacher.cache, each run folder has a cache of its own and never sees this one.
 */
function useThem(o: LabelOutcome): string {
  const command = ['distillery run', pathForCommand(o.config), ...o.teacherFlag].join(' ');
  if (o.cacheConfigured) return `use them: ${command} (or sweep) reads them from this cache`;
  const cache = pathBelow(o.cacheDirectory, o.baseDir);
  return `use them: set teacher.cache: ${JSON.stringify(cache)} in ${pathForCommand(o.config)}, then ${command} (or sweep) reads them from this cache`;
}
