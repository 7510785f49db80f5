import { checkFeatureTerms, type Model, type ObjectiveTerm, type PluginContext, type PluginRegistry } from '@distillery/core';
import { featureTerm, type FeatureTermOptions } from '@distillery/losses';
import { loadTeacher } from '@distillery/teachers';
import type { FeatureTermSpec } from '../spec/run-spec.js';
import { attempt } from './run-parts.js';
import type { TeacherSource } from './teacher.js';

/** A spec's feature terms as `distill()` takes them (losses still by name). */
export function featureOptionsOf(features: readonly FeatureTermSpec[]): FeatureTermOptions[] {
  return features.map(({ student, teacher, loss, options, weight, adapter }) => ({
    student,
    teacher,
    loss,
    lossOptions: options,
    weight,
    ...(adapter === undefined ? {} : { adapter }),
  }));
}

/** The objective terms of feature-term options, each loss named created through the registry (third-party feature losses too). */
export function createFeatureTerms(features: readonly FeatureTermOptions[], registry: PluginRegistry, context: PluginContext = {}): ObjectiveTerm[] {
  return features.map((f, i) =>
    attempt(`distillation.features[${i}]`, () =>
      featureTerm({ ...f, loss: typeof f.loss === 'string' ? registry.create('loss', f.loss, f.lossOptions ?? {}, context) : f.loss }),
    ),
  );
}

/**
 * The trainer's layer and shape checks of feature terms, run before anything trains: on a fresh
 * student, and on the teacher as it is or, for one still to train, as created (the layers it
 * will have, untrained).
 */
export async function checkFeatureLayers(terms: readonly ObjectiveTerm[], createStudent: (seed: number) => Model, source: TeacherSource, seed: number): Promise<void> {
  await checkFeatureLayerSets([{ where: 'distillation.features', terms, createStudent, seed }], source, seed);
}

/** One set of feature terms to check (a run's, or one sweep combination's), with its student and where to name it. */
export interface FeatureLayerSet {
  readonly where: string;
  readonly terms: readonly ObjectiveTerm[];
  readonly createStudent: (seed: number) => Model;
  readonly seed: number;
}

/** `checkFeatureLayers` for several sets against one teacher, made (or loaded) once. */
export async function checkFeatureLayerSets(sets: readonly FeatureLayerSet[], source: TeacherSource, seed: number): Promise<void> {
  const todo = sets.filter((s) => s.terms.length > 0);
  if (todo.length === 0) return;
  let teacher: Model | undefined;
  try {
    teacher = 'model' in source ? source.model : 'create' in source ? source.create(seed) : await loadTeacher(source.directory);
    // A `saved` teacher knows its layers once loaded.
    await teacher.ready?.();
    for (const set of todo) {
      const student = set.createStudent(set.seed);
      const checked = teacher;
      try {
        attempt(set.where, () => checkFeatureTerms(set.terms, student, checked));
      } finally {
        student.dispose();
      }
    }
  } finally {
    if (!('model' in source)) teacher?.dispose();
  }
}
