import { DistilleryError, isDistilleryError, type Augmentation, type Model, type PluginContext, type PluginRegistry } from '@distillery/core';
import type { DistillationSpec, StudentSpec } from '../spec/run-spec.js';

export interface DataShape {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

/** Fresh students of a spec, each seeded: created through the registry with the data's shape. */
export function studentFactory(spec: Pick<StudentSpec, 'plugin' | 'options'>, registry: PluginRegistry, shape: DataShape, context: PluginContext = {}): (seed: number) => Model {
  return (seed) =>
    registry.create('student', spec.plugin, { ...spec.options, inputShape: shape.inputShape, numClasses: shape.numClasses, seed }, { ...context, seed });
}

/** The augmentation a spec names, if any, through the registry. */
export function augmentationOf(spec: Pick<DistillationSpec, 'augmentation'>, registry: PluginRegistry, context: PluginContext = {}): Augmentation | undefined {
  const named = spec.augmentation;
  return named === undefined ? undefined : registry.create('augmentation', named.plugin, named.options, context);
}

/** Runs a step and prefixes its error with where the problem is (`my.yaml: student.options: …`). */
export function attempt<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw prefixed(where, error);
  }
}

export async function attemptAsync<T>(where: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw prefixed(where, error);
  }
}

function prefixed(where: string, error: unknown): DistilleryError {
  const message = error instanceof Error ? error.message : String(error);
  return new DistilleryError(isDistilleryError(error) ? error.code : 'E_CONFIG', `${where}: ${message}`, { cause: error });
}
