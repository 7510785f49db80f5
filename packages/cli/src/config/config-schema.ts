import { z } from 'zod';

/**
 * The config file (YAML or JSON) of `distillery run | label | sweep`. Objects are strict, so a
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
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** Names the output folder (runs/<name>-…) and the report. */
    name: z.string().min(1).default('distillery'),
    seed: z.number().int().min(1).max(2147483647).default(1),
    backend: z.enum(['wasm', 'cpu', 'tensorflow']).optional(),
    /** Worker threads for soft labels and sweeps (default: the number of cores). */
    workers: z.number().int().min(0).optional(),
    /** Plugin modules to load (package names or paths relative to the config file). */
    plugins: z.array(z.string().min(1)).default([]),
    data: z.strictObject({
      dataset: z.string().min(1),
      options: pluginOptions,
      /** Give one: the share or the number of training examples that keep their labels. */
      labelledFraction: z.number().gt(0).max(1).optional(),
      labelledCount: positiveInt.optional(),
      /** Held out of training for validation (model selection, early stopping). */
      validationCount: z.number().int().min(0).default(0),
    }),
    teacher: z.strictObject({
      plugin: z.string().min(1),
      options: pluginOptions,
      /** How to train it; omit for a teacher that is loaded (e.g. plugin `saved`). */
      train: trainingSchema.optional(),
      /** Folder of the logit cache (default: <out>/logit-cache). */
      cache: z.string().optional(),
    }),
    student: z.strictObject({
      plugin: z.string().min(1),
      options: pluginOptions,
      train: trainingSchema,
      earlyStoppingPatience: positiveInt.optional(),
    }),
    distillation: z.strictObject({
      loss: z.string().min(1).default('kd'),
      options: pluginOptions,
      lambda: z.number().min(0).max(1),
      temperature: z.number().positive(),
      form: z.enum(['sum', 'convex']).default('sum'),
      /** Augmentation plugin applied to the students' labelled inputs (and, online, the transfer inputs). */
      augmentation: z.strictObject({ plugin: z.string().min(1), options: pluginOptions }).optional(),
      /** Run the teacher inside each step on the student's (augmented) transfer batch, instead of cached logits. */
      onlineTeacher: z.boolean().default(false),
    }),
    sweep: z
      .strictObject({
        /** Option paths (`lambda`, `temperature`, `student.options.hidden`, …) → values to try. */
        grid: z.record(z.string(), z.array(z.unknown()).min(1)),
        seeds: z.array(z.number().int().min(1)).min(1).default([1]),
        search: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('grid') }),
            z.strictObject({ kind: z.literal('random'), samples: positiveInt, seed: z.number().int().min(1).default(1) }),
          ])
          .default({ kind: 'grid' }),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const { labelledFraction, labelledCount } = config.data;
    if ((labelledFraction === undefined) === (labelledCount === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['data', 'labelledFraction'], message: 'give exactly one of data.labelledFraction and data.labelledCount' });
    }
    if (config.student.earlyStoppingPatience !== undefined && config.data.validationCount === 0) {
      ctx.addIssue({ code: 'custom', path: ['student', 'earlyStoppingPatience'], message: 'needs data.validationCount > 0 to stop on' });
    }
  });

export type DistilleryConfig = z.output<typeof configSchema>;
export type DistilleryConfigInput = z.input<typeof configSchema>;
export type TrainingConfig = z.output<typeof trainingSchema>;
