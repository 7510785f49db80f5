import { checkRunSpec, runSpecShape, type RunSpec } from '@distillery/runner';
import { z } from 'zod';

/**
 * The config file (YAML or JSON) of `distillery run | label | sweep`: the run spec (the one
 * description of a run, see @distillery/runner) plus settings of the command — backend, workers,
 * and the sweep's grid, whose keys are paths into the run spec.
 */
const positiveInt = z.number().int().positive();
const bounds = z.tuple([z.number(), z.number()]);
/** A random-search range in place of a list of grid values (see @distillery/runner's search-space). */
const searchRangeSchema = z.union([
  z.strictObject({ uniform: bounds }),
  z.strictObject({ logUniform: bounds }),
  z.strictObject({ int: bounds }),
  z.strictObject({ choice: z.array(z.unknown()).min(1) }),
]);

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /**
     * Where the config's relative paths (plugins, dataset files, teacher folders, the logit cache)
     * are resolved, itself relative to the config file; default the config file's folder. A run
     * folder's config.resolved.json records it as an absolute path, so that copy repeats the run,
     * and `eval` finds the run's data, from any folder.
     */
    baseDir: z.string().min(1).optional(),
    ...runSpecShape,
    backend: z.enum(['wasm', 'cpu', 'tensorflow']).optional(),
    /** Worker threads for soft labels and sweeps (default: the number of cores). */
    workers: z.number().int().min(0).optional(),
    /** Where sweep trials and soft-label shards run: `local` (the worker pool) or a Redis queue (`redis://…`, `rediss://…`). */
    executor: z.string().regex(/^(local|rediss?:\/\/.*)$/, 'local or a redis:// / rediss:// URL').optional(),
    /** With a Redis executor: the queue's name there (default distillery-trials); workers take its jobs with `--queue`. */
    queue: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"').optional(),
    sweep: z
      .strictObject({
        /** Run-spec paths (`lambda`, `temperature`, `student.options.hidden`, `student.train.learningRate`, …) → values to try. */
        grid: z.record(z.string(), z.union([z.array(z.unknown()).min(1), searchRangeSchema])),
        seeds: z.array(z.number().int().min(1)).min(1).default([1]),
        search: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('grid') }),
            z.strictObject({ kind: z.literal('random'), samples: positiveInt, seed: z.number().int().min(1).default(1) }),
          ])
          .default({ kind: 'grid' }),
        /** Stop unpromising trials on their validation accuracy per epoch (docs/sweeps-robustness.md). */
        pruner: z
          .discriminatedUnion('kind', [
            z.strictObject({ kind: z.literal('none') }),
            z.strictObject({ kind: z.literal('median'), startupTrials: z.number().int().min(0).optional(), warmupEpochs: z.number().int().min(0).optional() }),
            z.strictObject({ kind: z.literal('asha'), gracePeriod: positiveInt.optional(), reductionFactor: z.number().gt(1).optional() }),
          ])
          .optional(),
        /** Per-trial time limit in seconds, or 'auto' (5 × the median finished trial); default none. */
        trialTimeout: z.union([z.number().positive(), z.literal('auto')]).optional(),
      })
      .optional(),
  })
  .superRefine(checkRunSpec);

export type DistilleryConfig = z.output<typeof configSchema>;
export type DistilleryConfigInput = z.input<typeof configSchema>;

/** The run spec a config describes: the config maps onto it here, and nowhere else. */
export function runSpecOf(config: DistilleryConfig): RunSpec {
  const { name, seed, plugins, data, teacher, student, distillation } = config;
  return { name, seed, plugins, data, teacher, student, distillation };
}
