import { checkAugmentation, createServiceContainer, pluginServices, type BackendInfo, type Dataset, type PluginContext, type PluginKind, type PluginRegistry } from '@distillery/core';
import { createPluginRegistry } from '../builtin-registry.js';
import type { DistillOptions } from '../distill.js';
import type { RunSpec } from '../spec/run-spec.js';
import { trainingSettings } from '../spec/run-spec.js';
import { checkFeatureLayers, createFeatureTerms, featureOptionsOf } from './feature-terms.js';
import { lossOptionsWithTemperature } from './objective.js';
import { attempt, attemptAsync, augmentationOf, studentFactory } from './run-parts.js';
import { teacherSourceOf } from './teacher.js';

export interface PrepareRunOptions {
  /** Where plugin modules and relative paths are resolved from (a config's folder). Default: cwd. */
  readonly baseDir?: string;
  /** Prefix of every error (`my.yaml`). */
  readonly source?: string;
  /** A registry that already holds the spec's plugins (else one is built: built-ins + `spec.plugins`). */
  readonly registry?: PluginRegistry;
  readonly backend?: BackendInfo;
}

/** A run spec resolved into its parts: what `distill()`, `label` and `sweep` run. */
export interface PreparedRun {
  readonly spec: RunSpec;
  readonly registry: PluginRegistry;
  readonly context: PluginContext;
  readonly baseDir: string;
  readonly train: Dataset;
  readonly test: Dataset;
  /** `distill()`'s options for this spec; add pool, cache, signal and progress. */
  readonly distillOptions: DistillOptions;
}

/**
 * The one mapping of a run spec onto the parts that run: every name resolved through the
 * registry of this thread (built-in and third-party plugins alike), every option checked before
 * anything trains, each problem named with its field.
 */
export async function prepareRun(spec: RunSpec, options: PrepareRunOptions = {}): Promise<PreparedRun> {
  const where = (field: string) => `${options.source ?? 'run spec'}: ${field}`;
  const baseDir = options.baseDir ?? process.cwd();
  const registry = options.registry ?? (await attemptAsync(where('plugins'), () => createPluginRegistry({ plugins: spec.plugins, baseDir })));
  checkSpecPlugins(spec, registry, where);
  const context: PluginContext = {
    baseDir,
    seed: spec.seed,
    services: pluginServices(createServiceContainer({ seed: spec.seed, ...(options.backend === undefined ? {} : { backend: options.backend }) })),
  };
  const datasetSource = attempt(where('data.options'), () => registry.create('dataset', spec.data.dataset, spec.data.options, context));
  const [train, test] = await attemptAsync(where('data'), () => Promise.all([datasetSource.load('train'), datasetSource.load('test')]));
  const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
  const createStudent = studentFactory(spec.student, registry, shape, context);
  // One student now, so a bad student option fails before a teacher trains for minutes.
  attempt(where('student.options'), () => createStudent(spec.seed).dispose());
  const augmentation = attempt(where('distillation.augmentation.options'), () => augmentationOf(spec.distillation, registry, context));
  if (augmentation !== undefined) attempt(where('distillation.augmentation'), () => checkAugmentation(augmentation, train.inputShape));
  const teacher = await attemptAsync(where('teacher.options'), () => teacherSourceOf(spec.teacher, registry, shape, { baseDir, seed: spec.seed, context }));
  const { data, student, distillation } = spec;
  // Feature terms' losses, layers and shapes, before a teacher trains for minutes.
  const source = options.source ?? 'run spec';
  const featureTerms = attempt(source, () => createFeatureTerms(featureOptionsOf(distillation.features), registry, context));
  await attemptAsync(source, () => checkFeatureLayers(featureTerms, createStudent, teacher, spec.seed));
  const distillOptions: DistillOptions = {
    train,
    test,
    teacher,
    student: { create: createStudent, train: trainingSettings(student.train) },
    ...(data.labelledFraction === undefined ? {} : { labelledFraction: data.labelledFraction }),
    ...(data.labelledCount === undefined ? {} : { labelledCount: data.labelledCount }),
    ...(data.validationCount > 0 ? { validationCount: data.validationCount } : {}),
    ...(student.earlyStoppingPatience === undefined ? {} : { earlyStoppingPatience: student.earlyStoppingPatience }),
    ...(data.preprocessing === undefined ? {} : { preprocessing: data.preprocessing }),
    ...(student.classWeights === undefined ? {} : { classWeights: student.classWeights }),
    lambda: distillation.lambda,
    temperature: distillation.temperature,
    form: distillation.form,
    distillationLoss: distillation.loss,
    distillationLossOptions: distillation.options,
    ...(augmentation === undefined ? {} : { augmentation }),
    onlineTeacher: distillation.onlineTeacher,
    ...(distillation.features.length === 0 ? {} : { features: featureOptionsOf(distillation.features) }),
    seed: spec.seed,
    registry,
  };
  return { spec, registry, context, baseDir, train, test, distillOptions };
}

/**
 * Every plugin a spec names exists (the error lists the available ones) and its options pass its
 * own parser — before any data loads. Students and teachers get their shape at run time, so
 * their options are checked when the first one is built.
 */
export function checkSpecPlugins(spec: RunSpec, registry: PluginRegistry, where: (field: string) => string): void {
  const { data, teacher, student, distillation } = spec;
  const refs: Array<readonly [string, PluginKind, string, Readonly<Record<string, unknown>> | undefined]> = [
    ['data.dataset', 'dataset', data.dataset, data.options],
    ['teacher.plugin', 'teacher', teacher.plugin, undefined],
    ['student.plugin', 'student', student.plugin, undefined],
    ['distillation.loss', 'loss', distillation.loss, distillation.options],
  ];
  distillation.features.forEach((f, i) => refs.push([`distillation.features[${i}].loss`, 'loss', f.loss, f.options]));
  if (distillation.augmentation !== undefined) {
    refs.push(['distillation.augmentation.plugin', 'augmentation', distillation.augmentation.plugin, distillation.augmentation.options]);
  }
  for (const [field, kind, name, options] of refs) {
    attempt(where(field), () => registry.get(kind, name));
    if (options === undefined) continue;
    const optionsField = field.replace(/\.(plugin|loss|dataset)$/, '.options');
    attempt(where(optionsField), () =>
      registry.parseOptions(kind, name, kind === 'loss' ? lossOptionsWithTemperature(registry, name, options, distillation.temperature) : options),
    );
  }
}
