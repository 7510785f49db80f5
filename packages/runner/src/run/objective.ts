import { balancedClassWeights, configError, type Dataset, type Loss, type Objective, type PluginContext, type PluginRegistry } from '@distillery/core';
import { distillationObjective, supervisedObjective } from '@distillery/losses';

/** The objective part of a run spec. */
export interface ObjectiveSpec {
  readonly loss: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly lambda: number;
  readonly temperature: number;
  readonly form: 'sum' | 'convex';
}

/**
 * A loss's options with the objective's temperature filled in, for a loss plugin that declares
 * `takesTemperature` and whose options set none — built-in or third-party alike.
 */
export function lossOptionsWithTemperature(registry: PluginRegistry, name: string, options: Readonly<Record<string, unknown>>, temperature: number): Readonly<Record<string, unknown>> {
  const takes = registry.get('loss', name).takesTemperature === true;
  return takes && options['temperature'] === undefined ? { ...options, temperature } : options;
}

/** The distillation loss of a spec, created through the registry (the one by-name path). */
export function createDistillationLoss(spec: ObjectiveSpec, registry: PluginRegistry, context: PluginContext = {}): Loss {
  const loss = registry.create('loss', spec.loss, lossOptionsWithTemperature(registry, spec.loss, spec.options, spec.temperature), context);
  if (!loss.requires.includes('teacherLogits')) {
    throw configError('distillation.loss', `a loss on the teacher's logits (${spec.loss} uses only labels)`, spec.loss);
  }
  return loss;
}

/** ce + λ·L_kd (or the convex form) from a spec; λ = 0 is the student alone. `classWeights` weigh the ce term. */
export function createObjective(spec: ObjectiveSpec, registry: PluginRegistry, context: PluginContext = {}, classWeights?: readonly number[]): Objective {
  const weights = classWeights === undefined ? {} : { classWeights };
  if (spec.lambda === 0) return supervisedObjective(weights);
  return distillationObjective({
    lambda: spec.lambda,
    temperature: spec.temperature,
    form: spec.form,
    distillationLoss: createDistillationLoss(spec, registry, context),
    ...weights,
  });
}

/** A spec's class weights for a split: `balanced` is resolved on its labelled examples. */
export function resolveClassWeights(weights: readonly number[] | 'balanced' | undefined, labelled: Dataset): readonly number[] | undefined {
  return weights === 'balanced' ? balancedClassWeights(labelled) : weights;
}
