import { distill } from '@distillery/runner';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { buildPipeline, logitCacheDirectory, runnerPoolFor, trainingSettings } from '../pipeline/build-pipeline.js';
import type { RunReportData } from '../report/report-data.js';
import { writeReport } from '../report/index.js';
import { formatReport } from '../report-text.js';
import { commonOverrides, defaultOutDirectory, interruptSignal, progressFor, writeResolvedConfig, type CommonFlags } from './command-context.js';
import { measureSpeed } from './measure-speed.js';

export const DEFAULT_CONFIG = fileURLToPath(new URL('../../configs/default.yaml', import.meta.url));

export interface RunFlags extends CommonFlags {
  readonly labelledFraction?: number;
  readonly lambda?: number;
  readonly temperature?: number;
  /** A saved teacher's folder, in the place of the config's teacher. */
  readonly teacher?: string;
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
    ...(flags.teacher === undefined ? {} : { teacher: { plugin: 'saved', options: { directory: resolve(flags.teacher) } } }),
  });
  const pipeline = await buildPipeline(loaded);
  const { config } = pipeline;
  const directory = resolve(flags.out ?? defaultOutDirectory(config.name, 'run'));
  await writeResolvedConfig(directory, config);
  const progress = progressFor(flags);
  const { signal, release } = interruptSignal(progress, `Nothing of an unfinished run is kept; run it again to start over.`);
  const workers = config.workers ?? 0;
  const pool = workers > 0 ? runnerPoolFor(pipeline, workers) : undefined;
  try {
    const result = await distill({
      train: pipeline.train,
      test: pipeline.test,
      teacher: pipeline.teacher,
      student: { create: pipeline.createStudent, train: trainingSettings(config.student.train) },
      ...(config.data.labelledFraction === undefined ? {} : { labelledFraction: config.data.labelledFraction }),
      ...(config.data.labelledCount === undefined ? {} : { labelledCount: config.data.labelledCount }),
      ...(config.data.validationCount > 0 ? { validationCount: config.data.validationCount } : {}),
      ...(config.student.earlyStoppingPatience === undefined ? {} : { earlyStoppingPatience: config.student.earlyStoppingPatience }),
      lambda: config.distillation.lambda,
      temperature: config.distillation.temperature,
      form: config.distillation.form,
      distillationLoss: config.distillation.loss,
      distillationLossOptions: config.distillation.options,
      ...(pipeline.augmentation === undefined ? {} : { augmentation: pipeline.augmentation }),
      onlineTeacher: config.distillation.onlineTeacher,
      seed: config.seed,
      cache: logitCacheDirectory(pipeline, directory),
      ...(pool === undefined ? {} : { pool }),
      signal,
      onProgress: (event) => {
        if (event.type === 'epoch:end') progress.epoch(event.phase, event.record, event.epochs);
        else if (event.type === 'phase:start') progress.note(`[${event.phase}] started`);
      },
    });
    try {
      const data: RunReportData = {
        kind: 'run',
        title: `${config.name}: distillation on ${pipeline.train.name}`,
        createdAt: new Date().toISOString(),
        backend: pipeline.backend.name,
        config,
        report: result.report,
        histories: {
          ...(result.histories.teacher === undefined ? {} : { teacher: result.histories.teacher }),
          studentAlone: result.histories['student-alone'] ?? [],
          studentKd: result.histories['student-kd'] ?? [],
        },
        speed: {
          teacher: await measureSpeed(result.teacher, pipeline.test),
          studentAlone: await measureSpeed(result.studentAlone, pipeline.test),
          studentKd: await measureSpeed(result.studentKd, pipeline.test),
        },
      };
      await result.studentKd.save(join(directory, 'student'));
      await result.studentAlone.save(join(directory, 'student-alone'));
      if (!('directory' in pipeline.teacher)) await result.teacher.save(join(directory, 'teacher'));
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

export function formatRunOutcome(outcome: RunOutcome): string {
  return `${formatReport(outcome.data.report, outcome.data.backend)}\nwritten to ${outcome.directory}: ${outcome.files.map((f) => f.replace(`${outcome.directory}/`, '')).join(', ')}\n`;
}
