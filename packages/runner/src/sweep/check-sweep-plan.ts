import { DistilleryError, type Model, type PluginRegistry } from '@distillery/core';
import type { TeacherPayload } from '../protocol.js';
import { checkFeatureLayerSets, createFeatureTerms, featureOptionsOf } from '../run/feature-terms.js';
import { lossOptionsWithTemperature } from '../run/objective.js';
import { attempt, studentFactory } from '../run/run-parts.js';
import type { TeacherSource } from '../run/teacher.js';
import { planTeacher } from '../soft-labels/teacher-payload.js';
import { parseWith, trialSpecSchema, type TrialSpecInput } from '../spec/run-spec.js';
import { planSweep, type PlannedTrial, type SearchStrategy, type SweepGrid } from './sweep-plan.js';

/**
 * Plans a sweep and checks it before anything runs: every grid key is a path into the run spec,
 * every trial's spec is valid, and every planned trial's plugins accept its options — a grid key
 * `student.optoins.hidden`, a value `hidden: "32"` or an option `hiden` fails here, named.
 */
export function checkSweepPlan(
  base: TrialSpecInput,
  grid: SweepGrid,
  seeds: readonly number[],
  search: SearchStrategy | undefined,
  registry: PluginRegistry,
  shape: { inputShape: readonly number[]; numClasses: number },
): PlannedTrial[] {
  const planned = planSweep(parseWith(trialSpecSchema, base, 'sweep base'), grid, seeds, search);
  checkPlannedTrials(planned, registry, shape);
  return planned;
}

export function checkPlannedTrials(planned: readonly PlannedTrial[], registry: PluginRegistry, shape: { inputShape: readonly number[]; numClasses: number }): void {
  for (const trial of combinations(planned)) {
    const { student, distillation } = trial.spec;
    const where = `sweep.grid: the trial ${trial.combination}`;
    attempt(`${where}: distillation.features`, () => createFeatureTerms(featureOptionsOf(distillation.features), registry));
    // Built once and thrown away: every option is checked as the trial will check it.
    attempt(`${where}: student.options`, () => studentFactory(student, registry, shape)(trial.seed).dispose());
    if (distillation.lambda > 0) {
      attempt(`${where}: distillation.options`, () =>
        registry.parseOptions('loss', distillation.loss, lossOptionsWithTemperature(registry, distillation.loss, distillation.options, distillation.temperature)),
      );
    }
    if (distillation.augmentation !== undefined) {
      attempt(`${where}: distillation.augmentation.options`, () => registry.parseOptions('augmentation', distillation.augmentation!.plugin, distillation.augmentation!.options));
    }
  }
}

/** The first trial of each combination (the seeds of one share its spec). */
function combinations(planned: readonly PlannedTrial[]): PlannedTrial[] {
  const seen = new Set<string>();
  return planned.filter((t) => !seen.has(t.combination) && (seen.add(t.combination), true));
}

/**
 * The layers and shapes of every combination's feature terms against the teacher (as it is, or
 * as it will be created) and a fresh student: a layer pair in the grid that does not fit fails
 * here, naming the trial, before any trial runs — in a config sweep, before the teacher trains.
 */
export async function checkSweepFeatures(
  planned: readonly PlannedTrial[],
  registry: PluginRegistry,
  shape: { inputShape: readonly number[]; numClasses: number },
  teacher: TeacherSource,
  seed: number,
): Promise<void> {
  const sets = combinations(planned)
    .filter((t) => t.spec.distillation.features.length > 0)
    .map((t) => ({
      where: `sweep.grid: the trial ${t.combination}: distillation.features`,
      terms: createFeatureTerms(featureOptionsOf(t.spec.distillation.features), registry),
      createStudent: studentFactory(t.spec.student, registry, shape),
      seed: t.seed,
    }));
  await checkFeatureLayerSets(sets, teacher, seed);
}

/**
 * The teacher as it reaches a trial with feature terms (its one serialisable form, run on
 * TensorFlow.js: it must give its inner layers), checked against every such trial first;
 * undefined when no trial has feature terms.
 */
export async function onlineTeacherPayload(
  planned: readonly PlannedTrial[],
  registry: PluginRegistry,
  shape: { inputShape: readonly number[]; numClasses: number },
  teacher: Model | undefined,
): Promise<TeacherPayload | undefined> {
  if (!planned.some((t) => t.spec.distillation.features.length > 0)) return undefined;
  if (teacher === undefined) {
    throw new DistilleryError(
      'E_CONFIG',
      'sweep: trials with feature terms (distillation.features) run the teacher online, and this sweep was given only its logits: pass teacher: { logits, model }',
    );
  }
  await checkSweepFeatures(planned, registry, shape, { model: teacher }, planned[0]!.seed);
  return (await planTeacher(teacher, 'tfjs', true)).payload;
}
