import { assertInRange, type Loss, type Objective } from '@distillery/core';
import { crossEntropyLoss } from './cross-entropy.js';
import { kdLoss } from './hinton-kd.js';

export interface DistillationObjectiveOptions {
  /** λ in [0, 1]: weight of the distillation term. 0 = student alone. */
  readonly lambda: number;
  /** Distillation temperature T > 0. */
  readonly temperature: number;
  /**
   * `sum`: ce + λ·kd (the design card's form); `convex`: (1−λ)·ce + λ·kd. Default `sum`.
   */
  readonly form?: 'sum' | 'convex';
  /** Replace Hinton kd with another loss on the transfer set. */
  readonly distillationLoss?: Loss;
  readonly labelSmoothing?: number;
}

/** L = E_labelled[CE(s(x), y)] + λ · E_transfer[L_kd(s(x), t(x); T)]. */
export function distillationObjective(options: DistillationObjectiveOptions): Objective {
  assertInRange('lambda', options.lambda, 0, 1);
  const kd = options.distillationLoss ?? kdLoss({ temperature: options.temperature });
  const ce = crossEntropyLoss(options.labelSmoothing === undefined ? {} : { labelSmoothing: options.labelSmoothing });
  const ceWeight = options.form === 'convex' ? 1 - options.lambda : 1;
  const terms: Objective['terms'][number][] = [];
  if (ceWeight > 0) terms.push({ name: ce.name, loss: ce, weight: ceWeight, data: 'labelled' });
  if (options.lambda > 0) terms.push({ name: kd.name, loss: kd, weight: options.lambda, data: 'transfer' });
  return { terms };
}

/** Cross-entropy on the labelled set only: the student-alone baseline. */
export function supervisedObjective(options: { labelSmoothing?: number } = {}): Objective {
  const ce = crossEntropyLoss(options);
  return { terms: [{ name: ce.name, loss: ce, weight: 1, data: 'labelled' }] };
}
