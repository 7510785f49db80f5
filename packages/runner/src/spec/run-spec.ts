import { DistilleryError, LEARNING_RATE_SCHEDULES } from '@distillery/core';
import { z } from 'zod';
import { formatConfigIssues } from './format-issues.js';
import type { TrainingSettings } from '../run/teacher.js';

/**
 * The one description of a distillation run: data and split, teacher, student, objective,
 * training, augmentation. `distill()`, every CLI command, a sweep trial, a queued job and the
 * benches build one and hand it to the same functions; a config file is this plus a few
 * settings of the command (backend, workers, sweep). Plain JSON: it travels to workers and
 * through queues, and its hash identifies what produced a folder. Objects are strict, so a
 * misspelt key is an error rather than a silently ignored setting.
 */
const positiveInt = z.number().int().positive();
const pluginOptions = z.record(z.string(), z.unknown()).default({});

export const trainingSchema = z.strictObject({
  epochs: positiveInt,
  batchSize: positiveInt.default(64),
  learningRate: z.number().positive().default(1e-3),
  /** Transfer examples per step (distilled student); default: batchSize. */
  transferBatchSize: positiveInt.optional(),
  /** `constant` when absent; `cosine` anneals per epoch toward 0 (absent, not defaulted: older specs hash as before). */
  learningRateSchedule: z.enum(LEARNING_RATE_SCHEDULES).optional(),
});

/** How the training data is split: a few labelled examples, a validation hold-out, the rest transfer. */
export const splitShape = {
  /** Give one: the share or the number of training examples that keep their labels. */
  labelledFraction: z.number().gt(0).max(1).optional(),
  labelledCount: positiveInt.optional(),
  /** Held out of training (stratified) for validation: model selection, early stopping. */
  validationCount: z.number().int().min(0).default(0),
  /** Scale inputs with statistics of the training examples outside validation (never test); the models carry and save it. */
  preprocessing: z.enum(['standardize', 'min-max']).optional(),
  /** The validation metric that picks a trial's best epoch and a sweep's best combination; default accuracy. */
  selectOn: z.enum(['accuracy', 'macro-f1', 'balanced-accuracy', 'ece']).optional(),
};

export const dataSchema = z.strictObject({
  /** A dataset plugin by name (`mnist-embedded`, `fashion-mnist`, `idx`, a third-party one). */
  dataset: z.string().min(1),
  options: pluginOptions,
  ...splitShape,
});

export const teacherSchema = z.strictObject({
  plugin: z.string().min(1),
  options: pluginOptions,
  /** How to train it; omit for a teacher that is loaded (plugins `saved`, `onnx`, `ensemble`, …). */
  train: trainingSchema.optional(),
  /** Folder of the logit cache (default: <out>/logit-cache). */
  cache: z.string().optional(),
});

export const studentSchema = z.strictObject({
  plugin: z.string().min(1),
  options: pluginOptions,
  train: trainingSchema,
  earlyStoppingPatience: positiveInt.optional(),
  /** Per-class weights of the students' ce term, or `balanced` (n / (classes · n_c) over the labelled examples). */
  classWeights: z.union([z.literal('balanced'), z.array(z.number().min(0)).min(2)]).optional(),
});

/** A feature term: a student layer matched to a teacher layer by a feature loss (`distillery inspect` lists the layers). */
export const featureTermSchema = z.strictObject({
  student: z.string().min(1),
  teacher: z.string().min(1),
  /** A feature loss plugin: `hint`, `at`, `rkd`, or a third-party one. */
  loss: z.string().min(1),
  options: pluginOptions,
  weight: z.number().min(0).default(1),
  /** A trainable adapter from the student's feature to the teacher's shape, never saved with the student. */
  adapter: z.enum(['dense', 'conv1x1']).optional(),
});

export const distillationSchema = z.strictObject({
  loss: z.string().min(1).default('kd'),
  options: pluginOptions,
  lambda: z.number().min(0).max(1),
  /** Given to every loss that declares `takesTemperature` (unless its options set one). */
  temperature: z.number().positive(),
  form: z.enum(['sum', 'convex']).default('sum'),
  /** Augmentation plugin applied to the students' labelled inputs (and, online, the transfer inputs). */
  augmentation: z.strictObject({ plugin: z.string().min(1), options: pluginOptions }).optional(),
  /** Run the teacher inside each step on the student's (augmented) transfer batch, instead of cached logits. */
  onlineTeacher: z.boolean().default(false),
  /** Feature terms beside the logit term (docs/feature-distillation.md); they run the teacher online. */
  features: z.array(featureTermSchema).default([]),
});

/** The sections of a run spec, shared with the CLI's config schema. */
export const runSpecShape = {
  /** Names the output folder (runs/<name>-…) and the report; a plain name, not a path (checked where it names a folder). */
  name: z.string().min(1).default('distillery'),
  seed: z.number().int().min(1).max(2147483647).default(1),
  /** Plugin modules to load (package names or paths relative to the config file). */
  plugins: z.array(z.string().min(1)).default([]),
  data: dataSchema,
  teacher: teacherSchema,
  student: studentSchema,
  distillation: distillationSchema,
};

/** Checks across sections: exactly one labelled size, early stopping needs a validation split. */
export function checkRunSpec(spec: { data: { labelledFraction?: number | undefined; labelledCount?: number | undefined; validationCount: number }; student: { earlyStoppingPatience?: number | undefined } }, ctx: z.RefinementCtx): void {
  const { labelledFraction, labelledCount } = spec.data;
  if ((labelledFraction === undefined) === (labelledCount === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['data', 'labelledFraction'], message: 'give exactly one of data.labelledFraction and data.labelledCount' });
  }
  if (spec.student.earlyStoppingPatience !== undefined && spec.data.validationCount === 0) {
    ctx.addIssue({ code: 'custom', path: ['student', 'earlyStoppingPatience'], message: 'needs data.validationCount > 0 to stop on' });
  }
}

export const runSpecSchema = z.strictObject(runSpecShape).superRefine(checkRunSpec);

/**
 * What a sweep trial needs of a run spec: the split, the student and the objective (one teacher's
 * logits serve every trial). A run spec's sections are a trial spec; in code, `data.dataset` may
 * be left out when the datasets are given directly.
 */
export const trialSpecSchema = z
  .strictObject({
    data: z.strictObject({ dataset: z.string().min(1).optional(), options: pluginOptions, ...splitShape }),
    student: studentSchema,
    distillation: distillationSchema,
  })
  .superRefine(checkRunSpec);

export type TrialSpec = z.output<typeof trialSpecSchema>;
export type TrialSpecInput = z.input<typeof trialSpecSchema>;

export type RunSpec = z.output<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;
export type TrainingSpec = z.output<typeof trainingSchema>;
export type DataSpec = RunSpec['data'];
export type TeacherSpec = RunSpec['teacher'];
export type StudentSpec = RunSpec['student'];
export type DistillationSpec = RunSpec['distillation'];
export type FeatureTermSpec = z.output<typeof featureTermSchema>;

/** Validates untyped input (a config, a queued job) as a run spec; every problem named with its path. */
export function parseRunSpec(input: unknown, source = 'run spec'): RunSpec {
  return parseWith(runSpecSchema, input, source);
}

/** Validates `input` against a zod schema; the error lists each problem as `path: expected …, got …`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new DistilleryError('E_CONFIG', `${source}: a mapping of settings (see \`distillery init\`), got ${input == null ? 'nothing' : Array.isArray(input) ? 'a list' : typeof input}`);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = formatConfigIssues(result.error.issues, input, schema);
  throw new DistilleryError('E_CONFIG', `${source}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`, {
    details: { problems },
  });
}

/** zod gives `transferBatchSize?: number | undefined`; the trainer wants it absent when unset. */
export function trainingSettings(train: TrainingSpec): TrainingSettings {
  const { transferBatchSize, learningRateSchedule, ...rest } = train;
  return { ...rest, ...(transferBatchSize === undefined ? {} : { transferBatchSize }), ...(learningRateSchedule === undefined ? {} : { learningRateSchedule }) };
}
