import {
  DistilleryError,
  createServiceContainer,
  isDistilleryError,
  pluginServices,
  setupBackend,
  type Augmentation,
  type BackendInfo,
  type Dataset,
  type Model,
  type PluginContext,
  type PluginRegistry,
} from '@distillery/core';
import { RunnerPool, createPluginRegistry, type TeacherSource, type TrainingSettings, type TrialSpec } from '@distillery/runner';
import { join, resolve } from 'node:path';
import { checkConfigPlugins } from '../config/check-config-plugins.js';
import type { DistilleryConfig, TrainingConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';

/** A config turned into the parts the commands run: data, teacher, student, trial spec. */
export interface Pipeline {
  readonly config: DistilleryConfig;
  readonly backend: BackendInfo;
  readonly registry: PluginRegistry;
  readonly context: PluginContext;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly teacher: TeacherSource;
  readonly createStudent: (seed: number) => Model;
  readonly augmentation?: Augmentation;
  /** The run as a sweep trial: the base a sweep grid varies. */
  readonly trialSpec: TrialSpec;
  /** Where plugin names and relative paths are resolved from (the config's folder). */
  readonly baseDir: string;
}

export async function buildPipeline(loaded: LoadedConfig): Promise<Pipeline> {
  const { config } = loaded;
  const source = loaded.path;
  const backend = await setupBackend(config.backend === undefined ? {} : { backend: config.backend });
  const registry = await createPluginRegistry({ plugins: config.plugins, baseDir: loaded.directory }).catch((error: unknown) => {
    throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_CONFIG', `${source}: plugins: ${(error as Error).message}`);
  });
  checkConfigPlugins(config, registry, source);
  const context: PluginContext = { seed: config.seed, services: pluginServices(createServiceContainer({ backend, seed: config.seed })) };

  const datasetSource = registry.create('dataset', config.data.dataset, config.data.options, context);
  const [train, test] = await Promise.all([datasetSource.load('train'), datasetSource.load('test')]);
  const shape = { inputShape: train.inputShape, numClasses: train.numClasses };

  const createStudent = (seed: number) =>
    registry.create('student', config.student.plugin, { ...config.student.options, ...shape, seed }, { ...context, seed });
  // Build one student now, so a bad student option fails before the teacher trains for minutes.
  attempt('student.options', source, () => createStudent(config.seed).dispose());

  const teacher = await teacherSource(config, registry, context, loaded.directory, shape, source);
  const augmentation =
    config.distillation.augmentation === undefined
      ? undefined
      : attempt('distillation.augmentation.options', source, () =>
          registry.create('augmentation', config.distillation.augmentation!.plugin, config.distillation.augmentation!.options, context),
        );
  return {
    config,
    backend,
    registry,
    context,
    train,
    test,
    teacher,
    createStudent,
    ...(augmentation === undefined ? {} : { augmentation }),
    trialSpec: trialSpecOf(config),
    baseDir: loaded.directory,
  };
}

/**
 * The teacher: trained here when the config says how (`teacher.train`), else created by its
 * plugin and made ready — a `saved` folder, an `ensemble`, an `onnx` file, … — as one path.
 */
async function teacherSource(
  config: DistilleryConfig,
  registry: PluginRegistry,
  context: PluginContext,
  baseDir: string,
  shape: { inputShape: readonly number[]; numClasses: number },
  source: string,
): Promise<TeacherSource> {
  const { plugin, train } = config.teacher;
  // Paths in a teacher's options are relative to the config file.
  const options = resolvePaths(config.teacher.options, baseDir);
  // The seed travels in the context: plugins that load rather than build (saved, onnx) take no seed option.
  const create = (seed: number) => registry.create('teacher', plugin, { ...options, ...shape }, { ...context, seed });
  if (train !== undefined) {
    attempt('teacher.options', source, () => create(config.seed).dispose());
    return { create, train: trainingSettings(train) };
  }
  const model = attempt('teacher.options', source, () => create(config.seed));
  try {
    await model.ready?.();
  } catch (error) {
    model.dispose();
    throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_CONFIG', `${source}: teacher: ${(error as Error).message}`);
  }
  return { model };
}

const PATH_OPTIONS = ['directory', 'file', 'path'];

function resolvePaths(options: Readonly<Record<string, unknown>>, baseDir: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).map(([key, value]) => [key, PATH_OPTIONS.includes(key) && typeof value === 'string' ? resolve(baseDir, value) : value]),
  );
}

/** Runs a check and prefixes its error with the config field it is about. */
function attempt<T>(field: string, source: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_CONFIG', `${source}: ${field}: ${message}`);
  }
}

export function trialSpecOf(config: DistilleryConfig): TrialSpec {
  const { data, student, distillation } = config;
  return {
    student: { plugin: student.plugin, options: student.options },
    loss: { name: distillation.loss, options: distillation.options },
    ...(distillation.augmentation === undefined ? {} : { augmentation: { name: distillation.augmentation.plugin, options: distillation.augmentation.options } }),
    lambda: distillation.lambda,
    temperature: distillation.temperature,
    form: distillation.form,
    ...(data.labelledFraction === undefined ? {} : { labelledFraction: data.labelledFraction }),
    ...(data.labelledCount === undefined ? {} : { labelledCount: data.labelledCount }),
    ...(data.validationCount > 0 ? { validationCount: data.validationCount } : {}),
    epochs: student.train.epochs,
    batchSize: student.train.batchSize,
    learningRate: student.train.learningRate,
    ...(student.train.transferBatchSize === undefined ? {} : { transferBatchSize: student.train.transferBatchSize }),
    ...(student.earlyStoppingPatience === undefined ? {} : { earlyStoppingPatience: student.earlyStoppingPatience }),
  };
}

/** zod gives `transferBatchSize?: number | undefined`; the runner wants it absent when unset. */
export function trainingSettings(train: TrainingConfig): TrainingSettings {
  const { transferBatchSize, ...rest } = train;
  return { ...rest, ...(transferBatchSize === undefined ? {} : { transferBatchSize }) };
}

/** The logit cache of a run: the config's `teacher.cache` (relative to the config), else <out>/logit-cache. */
export function logitCacheDirectory(pipeline: Pipeline, outDirectory: string): string {
  const configured = pipeline.config.teacher.cache;
  return configured === undefined ? join(outDirectory, 'logit-cache') : resolve(pipeline.baseDir, configured);
}

/** A worker pool on the pipeline's backend whose workers load the config's plugins. */
export function runnerPoolFor(pipeline: Pipeline, workers: number): RunnerPool {
  return new RunnerPool({ workers, backend: pipeline.backend.name, plugins: pipeline.config.plugins, baseDir: pipeline.baseDir });
}
