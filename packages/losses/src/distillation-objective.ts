import { DistilleryError, assertInRange, type Loss, type Objective, type ObjectiveTerm, type TermWeight } from '@distillery/core';
import { crossEntropyLoss } from './cross-entropy.js';
import { kdLoss } from './hinton-kd.js';

export interface DistillationObjectiveOptions {
  /** λ in [0, 1]: weight of the distillation term. 0 = student alone. */
  readonly lambda: number;
  /** Distillation temperature T > 0 of the default `kd` (a loss given here brings its own). */
  readonly temperature: number;
  /**
   * `sum`: ce + λ·kd (the design card's form); `convex`: (1−λ)·ce + λ·kd. Default `sum`.
   */
  readonly form?: 'sum' | 'convex';
  /**
   * Another distillation loss in the place of Hinton kd. Losses named in a config or a run
   * spec are created through the thread's plugin registry (the runner's `createObjective`).
   */
  readonly distillationLoss?: Loss;
  readonly labelSmoothing?: number;
  /** Per-class weights of the ce term (see `ce`'s classWeights): rare classes count for more. */
  readonly classWeights?: readonly number[];
}

/** L = E_labelled[CE(s(x), y)] + λ · E_transfer[L_kd(s(x), t(x); T)]. */
export function distillationObjective(options: DistillationObjectiveOptions): Objective {
  assertInRange('lambda', options.lambda, 0, 1);
  const kd = distillationLossOf(options);
  const ce = crossEntropyLoss(ceOptions(options));
  const ceWeight = options.form === 'convex' ? 1 - options.lambda : 1;
  const terms: ObjectiveTerm[] = [];
  if (ceWeight > 0) terms.push(lossTerm(ce, ceWeight));
  if (options.lambda > 0) terms.push(lossTerm(kd, options.lambda));
  return { terms };
}

function distillationLossOf(options: DistillationObjectiveOptions): Loss {
  const loss = options.distillationLoss ?? kdLoss({ temperature: options.temperature });
  if (loss.requires.includes('features')) {
    throw new DistilleryError('E_CONFIG', `distillation loss ${loss.name} compares features, not logits: use it in a feature term (featureTerm / features: [{ student, teacher, loss: ${loss.name} }])`);
  }
  return loss;
}

/** Cross-entropy on the labelled set only: the student-alone baseline. */
export function supervisedObjective(options: { labelSmoothing?: number; classWeights?: readonly number[] } = {}): Objective {
  return { terms: [lossTerm(crossEntropyLoss(ceOptions(options)))] };
}

function ceOptions(options: { labelSmoothing?: number; classWeights?: readonly number[] }): { labelSmoothing?: number; classWeights?: readonly number[] } {
  return {
    ...(options.labelSmoothing === undefined ? {} : { labelSmoothing: options.labelSmoothing }),
    ...(options.classWeights === undefined ? {} : { classWeights: options.classWeights }),
  };
}

/**
 * One weighted term, named after its loss, on the data its loss needs: the transfer set for a
 * loss that uses teacher logits, the labelled set otherwise. Build any objective from these,
 * e.g. `{ terms: [lossTerm(ce, 0.5), lossTerm(createLoss('dist'), linearWarmup(2, 5))] }`.
 */
export function lossTerm(loss: Loss, weight: TermWeight = 1): ObjectiveTerm {
  const transfer = loss.requires.includes('teacherLogits') || loss.requires.includes('features');
  return { name: loss.name, loss, weight, data: transfer ? 'transfer' : 'labelled' };
}
