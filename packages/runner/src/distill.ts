import {
  DistillationTrainer,
  assertSeed,
  configError,
  evaluateModel,
  selectLogitRows,
  splitIndices,
  type Augmentation,
  type Dataset,
  type EpochRecord,
  type EvaluationMetrics,
  type Loss,
  type Model,
  type Objective,
  type TrainingData,
  type TransferData,
  type TrainOptions,
} from '@distillery/core';
import { distillationObjective, supervisedObjective } from '@distillery/losses';
import { loadTeacher } from '@distillery/teachers';
import type { RunnerPool } from './pool/runner-pool.js';
import { generateSoftLabels } from './soft-labels/generate-soft-labels.js';
import type { TeacherRuntime } from './soft-labels/teacher-payload.js';

export interface TrainingSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Transfer examples per step for the distilled student (default: batchSize). */
  readonly transferBatchSize?: number;
}

export type TeacherSource =
  | { readonly train: TrainingSettings; readonly create: (seed: number) => Model }
  | { readonly directory: string }
  | { readonly model: Model };

export interface DistillOptions {
  /** Training data; a labelled subset keeps its labels, all of it is the transfer set. */
  readonly train: Dataset;
  readonly test: Dataset;
  readonly teacher: TeacherSource;
  readonly student: { readonly create: (seed: number) => Model; readonly train: TrainingSettings };
  /** Give one: the share or the number of training examples whose labels the students see. */
  readonly labelledFraction?: number;
  readonly labelledCount?: number;
  /**
   * Hold out this many training examples (stratified) for validation: per-epoch validation
   * accuracy in the progress events, and early stopping when `earlyStoppingPatience` is set.
   */
  readonly validationCount?: number;
  /** Stop a student after this many epochs without a better validation accuracy; keep its best weights. */
  readonly earlyStoppingPatience?: number;
  /** λ in [0, 1] and temperature T of ce + λ·kd. */
  readonly lambda: number;
  readonly temperature: number;
  readonly form?: 'sum' | 'convex';
  /** Another distillation loss in the place of Hinton kd: a Loss, or a loss's name (`dkd`, `dist`, ...). */
  readonly distillationLoss?: Loss | string;
  /** Options of the loss named by `distillationLoss`, e.g. `{ beta: 2 }` for `dkd`; T defaults to `temperature`. */
  readonly distillationLossOptions?: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly onProgress?: (event: DistillProgress) => void;
  /** Applied to both students' labelled inputs (with `onlineTeacher`, to the transfer inputs too). */
  readonly augmentation?: Augmentation;
  /**
   * Run the teacher inside each distillation step, on the same (augmented) transfer batch the
   * student sees, instead of caching its logits once; there is then no soft-label phase.
   */
  readonly onlineTeacher?: boolean;
  /** Shard the teacher's soft labels over this pool (default: in this thread). */
  readonly pool?: RunnerPool;
  /** Where the soft labels are computed (default `auto`: onnxruntime in the pool's workers when it can). */
  readonly teacherRuntime?: TeacherRuntime;
  /** Cache the teacher's logits in this folder: a repeated run skips the teacher pass. */
  readonly cache?: string;
  /** Abort: the training in progress stops at its next step with an E_ABORTED error. */
  readonly signal?: AbortSignal;
}

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
    /** Where the teacher's soft labels were computed (absent in online-teacher mode). */
    readonly teacherRuntime?: 'ort' | 'tfjs';
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
 * trained with distillation for the same number of steps → test accuracy of all three.
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  assertSeed('seed', options.seed);
  const distilled = distillationObjective({
    lambda: options.lambda,
    temperature: options.temperature,
    ...(options.form === undefined ? {} : { form: options.form }),
    ...(options.distillationLoss === undefined ? {} : { distillationLoss: options.distillationLoss }),
    ...(options.distillationLossOptions === undefined ? {} : { distillationLossOptions: options.distillationLossOptions }),
  });
  const parts = splitIndices(options.train, {
    seed: options.seed,
    ...(options.labelledFraction === undefined ? {} : { labelledFraction: options.labelledFraction }),
    ...(options.labelledCount === undefined ? {} : { labelledCount: options.labelledCount }),
    ...(options.validationCount === undefined ? {} : { validationCount: options.validationCount }),
  });
  const name = options.train.name;
  const split = {
    labelled: options.train.subset(parts.labelled, `${name}/labelled`),
    transfer: options.train.subset(parts.transfer, `${name}/transfer`),
    validation: parts.validation.length > 0 ? options.train.subset(parts.validation, `${name}/validation`) : undefined,
  };
  if (options.earlyStoppingPatience !== undefined && split.validation === undefined) {
    throw configError('earlyStoppingPatience', 'a validationCount > 0 to stop on', options.earlyStoppingPatience);
  }
  const validation = split.validation === undefined ? {} : { validation: split.validation };
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
  const trainModel = async (name: DistillPhase, model: Model, objective: Objective, data: TrainingData, options_: TrainOptions) => {
    const trainer = new DistillationTrainer();
    trainer.events.on('epoch:end', (record) => progress({ type: 'epoch:end', phase: name, record, epochs: record.epochs }));
    const result = await trainer.train({
      model,
      objective,
      data,
      options: options.signal === undefined ? options_ : { ...options_, signal: options.signal },
    });
    histories[name] = result.history;
  };

  const teacher = await phase('teacher', async () => {
    const source = options.teacher;
    if ('model' in source) {
      await source.model.ready?.();
      return source.model;
    }
    if ('directory' in source) return loadTeacher(source.directory, options.train);
    const model = source.create(options.seed);
    // The teacher learns from every training label: it stands for the big model someone already has.
    await trainModel('teacher', model, supervisedObjective(), { labelled: split.transfer }, {
      ...source.train,
      seed: options.seed,
    });
    return model;
  });
  const models: Model[] = [teacher];
  try {
    const teacherMetrics = await evaluateModel(teacher, options.test);
    // Logits of the whole training set (one cache entry shared with `label` and `sweep`), then
    // the rows of the transfer set.
    const softLabels = async () =>
      phase('soft-labels', () =>
        generateSoftLabels({
          teacher,
          dataset: options.train,
          ...(options.pool === undefined ? {} : { pool: options.pool }),
          ...(options.cache === undefined ? {} : { cache: options.cache }),
          ...(options.teacherRuntime === undefined ? {} : { runtime: options.teacherRuntime }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      );
    let teacherRuntime: 'ort' | 'tfjs' | undefined;
    const transfer: TransferData =
      options.onlineTeacher === true
        ? { dataset: split.transfer, teacher }
        : await softLabels().then((soft) => {
            teacherRuntime = soft.runtime;
            return { dataset: split.transfer, teacherLogits: selectLogitRows(soft.logits, parts.transfer) };
          });

    const settings = options.student.train;
    const transferBatch = Math.min(settings.transferBatchSize ?? settings.batchSize, split.transfer.size);
    // Both students take the same number of steps, so distillation is not credited with more training.
    const stepsPerEpoch = Math.ceil(split.transfer.size / transferBatch);
    const studentOptions: TrainOptions = {
      ...settings,
      seed: options.seed,
      stepsPerEpoch,
      ...(options.augmentation === undefined ? {} : { augmentation: options.augmentation }),
      ...(options.earlyStoppingPatience === undefined ? {} : { earlyStopping: { patience: options.earlyStoppingPatience } }),
    };

    const studentAlone = options.student.create(options.seed);
    models.push(studentAlone);
    await phase('student-alone', () =>
      trainModel('student-alone', studentAlone, supervisedObjective(), { labelled: split.labelled, ...validation }, studentOptions),
    );
    const studentKd = options.student.create(options.seed);
    models.push(studentKd);
    await phase('student-kd', () =>
      trainModel('student-kd', studentKd, distilled, {
        labelled: split.labelled,
        transfer,
        ...validation,
      }, studentOptions),
    );

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
        ...(options.onlineTeacher === true ? { onlineTeacher: true } : {}),
        ...(teacherRuntime === undefined ? {} : { teacherRuntime }),
      },
      timingsMs: { teacher: 0, 'soft-labels': 0, 'student-alone': 0, 'student-kd': 0, ...timings },
    };
    return { report, histories, teacher, studentAlone, studentKd };
  } catch (error) {
    for (const model of models) if (!('model' in options.teacher && model === options.teacher.model)) model.dispose();
    throw error;
  }
}

