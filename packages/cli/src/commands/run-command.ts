import { MODEL_JSON, type BackendInfo } from '@distillery/core';
import { checkFolder, distill, formatCacheRejection, writeFolderRecord } from '@distillery/runner';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { buildPipeline, folderRecordOf, logitCacheDirectory, runnerPoolFor } from '../pipeline/build-pipeline.js';
import type { RunReportData } from '../report/report-data.js';
import { writeReport } from '../report/index.js';
import { formatReport } from '../report-text.js';
import { withMetricsFile } from '../progress/metrics-file.js';
import { commonOverrides, defaultOutDirectory, interruptSignal, progressFor, teacherOverride, writeResolvedConfig, type CommonFlags } from './command-context.js';
import { measureSpeeds } from './measure-speed.js';
import { wrapToWidth } from '../wrap-text.js';

export const DEFAULT_CONFIG = fileURLToPath(new URL('../../configs/default.yaml', import.meta.url));

export interface RunFlags extends CommonFlags {
  readonly labelledFraction?: number;
  readonly lambda?: number;
  readonly temperature?: number;
  readonly teacherEpochs?: number;
  readonly studentEpochs?: number;
}

export interface RunOutcome {
  readonly directory: string;
  readonly data: RunReportData;
  readonly files: string[];
}

/** `distillery run [config]`: teacher → soft labels (cached) → students → evaluation → report. */
export async function runCommand(configFile: string | undefined, flags: RunFlags): Promise<RunOutcome> {
  const loaded = await loadConfig(configFile ?? DEFAULT_CONFIG, {
    ...commonOverrides(flags),
    'data.labelledFraction': flags.labelledFraction,
    ...(flags.labelledFraction === undefined ? {} : { 'data.labelledCount': undefined }),
    'distillation.lambda': flags.lambda,
    'distillation.temperature': flags.temperature,
    'teacher.train.epochs': flags.teacherEpochs,
    'student.train.epochs': flags.studentEpochs,
    ...teacherOverride(flags),
  });
  const pipeline = await buildPipeline(loaded);
  const { config, spec } = pipeline;
  const directory = resolve(flags.out ?? defaultOutDirectory(config.name, 'run'));
  const record = folderRecordOf(pipeline, 'run', { seed: spec.seed, data: spec.data, student: spec.student, distillation: spec.distillation });
  await checkFolder(directory, record); // before anything is written
  await writeResolvedConfig(directory, config, pipeline.run.baseDir);
  await writeFolderRecord(directory, record);
  const progress = withMetricsFile(progressFor(flags), join(directory, 'metrics.jsonl'));
  const { signal, release } = interruptSignal(progress, 'A trained teacher and finished soft labels are kept in the folder; run the same command again to go on from them.');
  // A config made for a queue: run trains here all the same, and says so rather than leave it to be guessed.
  if (config.executor !== undefined && config.executor !== 'local') {
    progress.note('[run] executor: is for sweep and label (their trials and shards go to the queue); run trains here, in this process');
  }
  const workers = config.workers ?? 0;
  const pool = workers > 0 ? runnerPoolFor(pipeline, workers) : undefined;
  const teacherFolder = join(directory, 'teacher');
  try {
    const result = await distill({
      ...pipeline.run.distillOptions,
      cache: logitCacheDirectory(pipeline, directory),
      ...(pool === undefined ? {} : { pool }),
      // A teacher trained here is saved the moment it is trained; a rerun loads it.
      ...(spec.teacher.train === undefined ? {} : { teacherFolder }),
      signal,
      onCacheRejected: (r) => progress.note(formatCacheRejection(r)),
      onProgress: (event) => {
        if (event.type === 'epoch:end') progress.epoch(event.phase, event.record, event.epochs);
        else if (event.type === 'phase:start') progress.note(`[${event.phase}] started`);
      },
    });
    try {
      const data: RunReportData = {
        kind: 'run',
        title: `${config.name}: distillation on ${pipeline.run.train.name}`,
        createdAt: new Date().toISOString(),
        backend: backendLabel(pipeline.backend),
        config,
        report: result.report,
        histories: {
          ...(result.histories.teacher === undefined ? {} : { teacher: result.histories.teacher }),
          studentAlone: result.histories['student-alone'] ?? [],
          studentKd: result.histories['student-kd'] ?? [],
        },
        speed: await measureSpeeds({ teacher: result.teacher, studentAlone: result.studentAlone, studentKd: result.studentKd }, pipeline.run.test),
      };
      await result.studentKd.save(join(directory, 'student'));
      await result.studentAlone.save(join(directory, 'student-alone'));
      if (!existsSync(join(teacherFolder, MODEL_JSON))) await result.teacher.save(teacherFolder);
      await writeFile(join(directory, 'run.json'), `${JSON.stringify(data, null, 2)}\n`);
      // The default job's report.json: the three accuracies and the settings.
      await writeFile(join(directory, 'report.json'), `${JSON.stringify({ ...result.report, backend: pipeline.backend.name }, null, 2)}\n`);
      const { files } = await writeReport(directory, data);
      progress.stop();
      return { directory, data, files: [join(directory, 'report.json'), join(directory, 'student'), ...files] };
    } finally {
      [result.teacher, result.studentAlone, result.studentKd].forEach((m) => m.dispose());
    }
  } finally {
    progress.stop();
    release();
    await pool?.destroy();
  }
}

/** The backend as the report names it: `wasm + native kernels (openblas)` when the native accelerator serves it. */
export function backendLabel(backend: BackendInfo): string {
  return backend.native.active ? `${backend.name} + native kernels (${backend.native.blas})` : backend.name;
}

/** The run's closing text; `width`: the terminal's columns, to break long lines at spaces (not mid-word as a terminal does). */
export function formatRunOutcome(outcome: RunOutcome, width?: number): string {
  return wrapToWidth(`${formatReport(outcome.data.report, outcome.data.backend)}\nwritten to ${outcome.directory}: ${outcome.files.map((f) => f.replace(`${outcome.directory}/`, '')).join(', ')}\n`, width);
}
