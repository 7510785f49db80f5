import {
  DistillationTrainer,
  DistilleryError,
  MODEL_JSON,
  isDistilleryError,
  loadModel,
  withPreprocessing,
  type Augmentation,
  type LearningRateSchedule,
  type Dataset,
  type EpochRecord,
  type FeatureScaling,
  type Model,
  type PluginContext,
  type PluginRegistry,
} from '@distillery/core';
import { supervisedObjective } from '@distillery/losses';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TeacherSpec } from '../spec/run-spec.js';
import { trainingSettings } from '../spec/run-spec.js';

export interface TrainingSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Transfer examples per step for the distilled student (default: batchSize). */
  readonly transferBatchSize?: number;
  /** How the learning rate moves over the epochs (default constant). */
  readonly learningRateSchedule?: LearningRateSchedule;
}

/**
 * Where a run's teacher comes from: trained here (a fresh model and how to train it), a saved
 * folder (loaded through the `saved` plugin, so it reaches workers like any plugin teacher), or a
 * ready model (from any plugin, or built in code).
 */
export type TeacherSource =
  | { readonly train: TrainingSettings; readonly create: (seed: number) => Model }
  | { readonly directory: string }
  | { readonly model: Model };

export interface ObtainTeacherOptions {
  readonly source: TeacherSource;
  /** The examples a teacher trained here learns from: every training example outside validation. */
  readonly trainOn: Dataset;
  /** The dataset it must fit (input shape, classes). */
  readonly shape: { readonly inputShape: readonly number[]; readonly numClasses: number };
  readonly seed: number;
  readonly registry: PluginRegistry;
  readonly context?: PluginContext;
  /**
   * A folder for a teacher trained here: saved there the moment training ends (so an interrupted
   * run keeps it), and loaded from there instead of training when it already holds one — the
   * caller has checked (folder record) that it is this very teacher.
   */
  readonly folder?: string;
  readonly onEpoch?: (record: EpochRecord & { epochs: number }) => void;
  readonly signal?: AbortSignal;
  /** The run's input scaling: a teacher trained here carries it (a loaded one has its own). */
  readonly scaling?: FeatureScaling;
  /** Applied to each batch of a teacher trained here (e.g. random shifts for a CNN teacher). */
  readonly augmentation?: Augmentation;
}

export interface ObtainedTeacher {
  readonly model: Model;
  readonly origin: 'trained' | 'reused' | 'loaded';
  readonly history?: readonly EpochRecord[];
}

/**
 * The one way a run gets its teacher, for `distill()`, `run`, `label` and `sweep` alike: load or
 * create it through the registry, or train it (on every label outside validation — it stands for
 * the big model someone already has) and save it at once.
 */
export async function obtainTeacher(options: ObtainTeacherOptions): Promise<ObtainedTeacher> {
  const { source, registry, shape } = options;
  const context = { ...options.context, seed: options.seed };
  if ('model' in source) {
    await source.model.ready?.();
    return { model: source.model, origin: 'loaded' };
  }
  if ('directory' in source) {
    const model = registry.create('teacher', 'saved', { directory: resolve(source.directory), inputShape: shape.inputShape, numClasses: shape.numClasses }, context);
    return { model: await ready(model), origin: 'loaded' };
  }
  const folder = options.folder;
  if (folder !== undefined && existsSync(join(folder, MODEL_JSON))) return { model: await loadModel(folder), origin: 'reused' };
  const model = withPreprocessing(source.create(options.seed), options.scaling);
  const trainer = new DistillationTrainer();
  if (options.onEpoch !== undefined) trainer.events.on('epoch:end', options.onEpoch);
  try {
    const result = await trainer.train({
      model,
      objective: supervisedObjective(),
      data: { labelled: options.trainOn },
      options: {
        ...source.train,
        seed: options.seed,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.augmentation === undefined ? {} : { augmentation: options.augmentation }),
      },
    });
    if (folder !== undefined) await model.save(folder);
    return { model, origin: 'trained', history: result.history };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * A teacher spec as a source: trained here when it says how (`train`), else created by its
 * plugin and made ready — a `saved` folder, an `ensemble`, an `onnx` file, a third-party teacher.
 * Paths in its options are resolved from `baseDir` (the config's folder).
 */
export async function teacherSourceOf(
  spec: TeacherSpec,
  registry: PluginRegistry,
  shape: { readonly inputShape: readonly number[]; readonly numClasses: number },
  options: { readonly baseDir: string; readonly seed: number; readonly context?: PluginContext },
): Promise<TeacherSource> {
  const teacherOptions = { ...resolvePathOptions(spec.options, options.baseDir), ...shape } as Record<string, unknown>;
  const create = (seed: number) => registry.create('teacher', spec.plugin, teacherOptions, { ...options.context, seed });
  if (spec.train !== undefined) {
    create(options.seed).dispose(); // a bad option fails now, not after the data has loaded
    return { create, train: trainingSettings(spec.train) };
  }
  return { model: await ready(create(options.seed)) };
}

async function ready(model: Model): Promise<Model> {
  try {
    await model.ready?.();
    return model;
  } catch (error) {
    model.dispose();
    throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_MODEL_IO', `teacher: ${(error as Error).message}`, { cause: error });
  }
}

const PATH_OPTIONS = new Set(['directory', 'file', 'path']);

/** Options with every `directory` / `file` / `path` (at any depth, e.g. ensemble members) made absolute. */
export function resolvePathOptions<T>(value: T, baseDir: string): T {
  if (Array.isArray(value)) return value.map((v: unknown) => resolvePathOptions(v, baseDir)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, v]) => [
      key,
      PATH_OPTIONS.has(key) && typeof v === 'string' ? resolve(baseDir, v) : resolvePathOptions(v, baseDir),
    ]),
  ) as T;
}
