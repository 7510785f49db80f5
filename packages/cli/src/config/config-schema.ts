import { checkRunSpec, runSpecShape, type RunSpec } from '@distillery/runner';
import { z } from 'zod';

/**
 * The config file (YAML or JSON) of `distillery run | label | sweep`: the run spec (the one
 * description of a run, see @distillery/runner) plus settings of the command — backend, workers,
 * and the sweep's grid, whose keys are paths into the run spec.
 */
const positiveInt = z.number().int().positive();

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    ...runSpecShape,
    backend: z.enum(['wasm', 'cpu', 'tensorflow']).optional(),
    /** Worker threads for soft labels and sweeps (default: the number of cores). */
    workers: z.number().int().min(0).optional(),
    sweep: z
      .strictObject({
        /** Run-spec paths (`lambda`, `temperature`, `student.options.hidden`, `student.train.learningRate`, …) → values to try. */
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
  .superRefine(checkRunSpec);

export type DistilleryConfig = z.output<typeof configSchema>;
export type DistilleryConfigInput = z.input<typeof configSchema>;

/** The run spec a config describes: the config maps onto it here, and nowhere else. */
export function runSpecOf(config: DistilleryConfig): RunSpec {
  const { name, seed, plugins, data, teacher, student, distillation } = config;
  return { name, seed, plugins, data, teacher, student, distillation };
}
