import {
  assertSeed,
  checkAugmentation,
  configError,
  evaluateModel,
  withPreprocessing,
  type EpochRecord,
  type EvaluationMetrics,
  type Model,
  type Objective,
  type PluginRegistry,
  type ScalingKind,
} from '@distillery/core';
import { distillationObjective, supervisedObjective } from '@distillery/losses';
import { createBuiltinRegistry } from './builtin-registry.js';
import { checkFeatureLayers, createFeatureTerms } from './run/feature-terms.js';
import { createObjective, resolveClassWeights } from './run/objective.js';
import { splitRun } from './run/split-run.js';
import { obtainTeacher, type TrainingSettings } from './run/teacher.js';
import { trainStudent, type TeacherSignal } from './run/train-student.js';
import { checkDistillOptions, type DistillOptions } from './distill-options.js';
import { generateSoftLabels } from './soft-labels/generate-soft-labels.js';

export type { TeacherSource, TrainingSettings } from './run/teacher.js';
export type { DistillOptions } from './distill-options.js';


export type DistillPhase = 'teacher' | 'soft-labels' | 'student-alone' | 'student-kd';


export type DistillProgress =
  | { readonly type: 'phase:start'; readonly phase: DistillPhase }
  | { readonly type: 'phase:end'; readonly phase: DistillPhase; readonly elapsedMs: number }
  | { readonly type: 'epoch:end'; readonly phase: DistillPhase; readonly record: EpochRecord; readonly epochs: number };

export interface DistillReport {
  readonly teacher: EvaluationMetrics & { readonly name: string; readonly params: number };
  readonly studentAlone: EvaluationMetrics & { readonly name: string; readonly params: number };
  readonly studentKd: EvaluationMetrics & { readonly name: string; readonly params: number };
  readonly settings: {
    readonly dataset: string;
    /** The dataset's class names, when it has them. */
    readonly classNames?: readonly string[];
    /** The input scaling fitted on the training examples, when one was asked for. */
    readonly preprocessing?: ScalingKind;
    readonly classWeights?: readonly number[];
    readonly labelled: number;
    readonly transfer: number;
    readonly validation: number;
    readonly test: number;
    readonly lambda: number;
    readonly temperature: number;
    readonly form: 'sum' | 'convex';
    readonly distillationLoss: string;
    readonly seed: number;
    readonly studentTraining: TrainingSettings;
    /** Name of the students' augmentation, when there is one. */
    readonly augmentation?: string;
    readonly onlineTeacher?: boolean;
    /** Names of the feature terms (`at(conv2d_2→conv2d_2)`), when there are any. */
    readonly features?: readonly string[];
    /** Where the teacher's soft labels were computed (absent in online-teacher mode). */
    readonly teacherRuntime?: 'ort' | 'tfjs';
    /** With a logit cache: whether the soft labels were read from it (`hit`), partly (`partial`), or computed into it (`miss`). */
    readonly softLabelCache?: 'hit' | 'partial' | 'miss';
  };
  readonly timingsMs: Readonly<Record<DistillPhase, number>>;
}


export interface DistillResult {
  readonly report: DistillReport;
  /** Per-epoch records of each training (a loaded teacher has none): learning curves. */
  readonly histories: Readonly<Partial<Record<DistillPhase, readonly EpochRecord[]>>>;
  /** The caller owns (and disposes) the models. */
  readonly teacher: Model;
  readonly studentAlone: Model;
  readonly studentKd: Model;
}

/**
 * One whole distillation: teacher (trained here or loaded) → its logits on the transfer set →
 * a student trained on the labelled subset alone, and the same student (same initial weights)
 * trained with distillation for the same number of steps → test accuracy of all three. The
 * CLI's `run` comes here too (through `prepareRun`), with the same split, teacher path,
 * objective and student training that sweep trials use.
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  checkDistillOptions(options);
  assertSeed('seed', options.seed);
  const registry = options.registry ?? createBuiltinRegistry();
  const featureTerms = createFeatureTerms(options.features ?? [], registry);
  const split = splitRun(options.train, options, options.seed);
  const classWeights = resolveClassWeights(options.classWeights, split.labelled);
  const distilled: Objective = { terms: [...distillObjective(options, registry, classWeights).terms, ...featureTerms] };
  const online = options.onlineTeacher === true || featureTerms.length > 0;
  // An augmentation that cannot take these examples, and feature layers and shapes, are found
  // before the teacher trains (the layers on a fresh one: those it will have).
  if (options.augmentation !== undefined) checkAugmentation(options.augmentation, options.train.inputShape);
  await checkFeatureLayers(featureTerms, options.student.create, options.teacher, options.seed);
  const created = (model: Model) => withPreprocessing(model, split.scaling);
  if (options.earlyStoppingPatience !== undefined && split.validation === undefined) {
    throw configError('earlyStoppingPatience', 'a validationCount > 0 to stop on', options.earlyStoppingPatience);
  }
  const timings: Partial<Record<DistillPhase, number>> = {};
  const histories: Partial<Record<DistillPhase, readonly EpochRecord[]>> = {};
  const progress = options.onProgress ?? (() => undefined);
  const phase = async <T>(name: DistillPhase, run: () => Promise<T>): Promise<T> => {
    progress({ type: 'phase:start', phase: name });
    const started = performance.now();
    const result = await run();
    timings[name] = performance.now() - started;
    progress({ type: 'phase:end', phase: name, elapsedMs: timings[name] });
    return result;
  };
  const onEpoch = (name: DistillPhase) => (record: EpochRecord & { epochs: number }) => progress({ type: 'epoch:end', phase: name, record, epochs: record.epochs });
  const signal = options.signal === undefined ? {} : { signal: options.signal };

  const obtained = await phase('teacher', () =>
    obtainTeacher({
      source: options.teacher,
      trainOn: split.transfer,
      shape: options.train,
      seed: options.seed,
      registry,
      ...(options.teacherFolder === undefined ? {} : { folder: options.teacherFolder }),
      ...(split.scaling === undefined ? {} : { scaling: split.scaling }),
      onEpoch: onEpoch('teacher'),
      ...signal,
    }),
  );
  if (obtained.history !== undefined) histories.teacher = obtained.history;
  const teacher = obtained.model;
  const models: Model[] = [teacher];
  try {
    const teacherMetrics = await evaluateModel(teacher, options.test);
    let teacherRuntime: 'ort' | 'tfjs' | undefined;
    let softLabelCache: 'hit' | 'partial' | 'miss' | undefined;
    // Logits of the whole training set (one cache entry shared with `label` and `sweep`).
    const teacherSignal: TeacherSignal =
      online
        ? { online: teacher }
        : await phase('soft-labels', () =>
            generateSoftLabels({
              teacher,
              dataset: options.train,
              ...(options.pool === undefined ? {} : { pool: options.pool }),
              ...(options.cache === undefined ? {} : { cache: options.cache }),
              ...(options.teacherRuntime === undefined ? {} : { runtime: options.teacherRuntime }),
              ...(options.onCacheRejected === undefined ? {} : { onCacheRejected: options.onCacheRejected }),
              ...signal,
            }),
          ).then((soft) => {
            teacherRuntime = soft.runtime;
            if (soft.cache !== 'none') softLabelCache = soft.cache;
            return { logits: soft.logits };
          });

    const settings = options.student.train;
    const common = {
      split,
      settings,
      seed: options.seed,
      ...(options.augmentation === undefined ? {} : { augmentation: options.augmentation }),
      ...(options.earlyStoppingPatience === undefined ? {} : { earlyStopping: { patience: options.earlyStoppingPatience, restoreBest: true } }),
      ...signal,
    };
    const studentAlone = created(options.student.create(options.seed));
    models.push(studentAlone);
    const alone = await phase('student-alone', () =>
      trainStudent({ ...common, student: studentAlone, objective: supervisedObjective(classWeights === undefined ? {} : { classWeights }), onEpoch: onEpoch('student-alone') }),
    );
    histories['student-alone'] = alone.history;
    const studentKd = created(options.student.create(options.seed));
    models.push(studentKd);
    const kd = await phase('student-kd', () =>
      trainStudent({ ...common, student: studentKd, objective: distilled, teacher: teacherSignal, onEpoch: onEpoch('student-kd') }),
    );
    histories['student-kd'] = kd.history;

    const describe = async (model: Model) => ({
      name: model.name,
      params: model.countParams(),
      ...(await evaluateModel(model, options.test)),
    });
    const report: DistillReport = {
      teacher: { name: teacher.name, params: teacher.countParams(), ...teacherMetrics },
      studentAlone: await describe(studentAlone),
      studentKd: await describe(studentKd),
      settings: {
        dataset: options.train.name,
        ...(options.train.classNames === undefined ? {} : { classNames: options.train.classNames }),
        ...(split.scaling === undefined ? {} : { preprocessing: split.scaling.kind }),
        ...(classWeights === undefined ? {} : { classWeights }),
        labelled: split.labelled.size,
        transfer: split.transfer.size,
        validation: split.validation?.size ?? 0,
        test: options.test.size,
        lambda: options.lambda,
        temperature: options.temperature,
        form: options.form ?? 'sum',
        distillationLoss: distilled.terms.find((t) => t.data === 'transfer')?.loss.name ?? 'none',
        seed: options.seed,
        studentTraining: settings,
        ...(options.augmentation === undefined ? {} : { augmentation: options.augmentation.name }),
        ...(online ? { onlineTeacher: true } : {}),
        ...(featureTerms.length > 0 ? { features: featureTerms.map((t) => t.name) } : {}),
        ...(teacherRuntime === undefined ? {} : { teacherRuntime }),
        ...(softLabelCache === undefined ? {} : { softLabelCache }),
      },
      timingsMs: { teacher: 0, 'soft-labels': 0, 'student-alone': 0, 'student-kd': 0, ...timings },
    };
    return { report, histories, teacher, studentAlone, studentKd };
  } catch (error) {
    for (const model of models) if (!('model' in options.teacher && model === options.teacher.model)) model.dispose();
    throw error;
  }
}

/** The distilled student's objective: a given Loss as it is, a name through the registry. */
function distillObjective(options: DistillOptions, registry: PluginRegistry, classWeights: readonly number[] | undefined): Objective {
  const form = options.form ?? 'sum';
  const loss = options.distillationLoss ?? 'kd';
  const weights = classWeights === undefined ? {} : { classWeights };
  if (typeof loss !== 'string') return distillationObjective({ lambda: options.lambda, temperature: options.temperature, form, distillationLoss: loss, ...weights });
  return createObjective({ loss, options: options.distillationLossOptions ?? {}, lambda: options.lambda, temperature: options.temperature, form }, registry, {}, classWeights);
}
