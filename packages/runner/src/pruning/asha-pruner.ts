import { assertPositiveInteger, configError } from '@distillery/core';
import { nanPercentile } from './percentile.js';
import type { Pruner } from './pruner.js';

export interface AshaOptions {
  /** Epochs before the first rung (default 1). */
  readonly gracePeriod?: number | undefined;
  /** Reduction factor η (default 3): the top 1/η at each rung go on. */
  readonly reductionFactor?: number | undefined;
}

/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), with Ray Tune's ASHAScheduler rule: rungs at gracePeriod · η^k epochs
 * (up to the trials' epochs); a trial reaching a rung is stopped when its value there is below
 * the (1 − 1/η) percentile of the values recorded at that rung before it, then its value is
 * recorded. The first trial at a rung always continues. Nobody waits for a rung to fill: that
 * is what makes it asynchronous.
 */
export class AshaPruner implements Pruner {
  readonly name = 'asha';
  /** Rung epochs, highest first (as Ray walks them). */
  readonly rungs: readonly number[];
  private readonly eta: number;
  private readonly recorded = new Map<number, Map<string, number>>();

  constructor(options: AshaOptions & { readonly maxEpochs: number }) {
    const grace = options.gracePeriod ?? 1;
    this.eta = options.reductionFactor ?? 3;
    assertPositiveInteger('sweep.pruner.gracePeriod', grace);
    assertPositiveInteger('epochs', options.maxEpochs);
    if (!(this.eta > 1)) throw configError('sweep.pruner.reductionFactor', 'a number > 1', this.eta);
    const rungs: number[] = [];
    for (let r = grace; r <= options.maxEpochs; r *= this.eta) rungs.push(Math.round(r));
    this.rungs = rungs.reverse();
    for (const r of this.rungs) this.recorded.set(r, new Map());
  }

  report(trialId: string, epoch: number, value: number): 'continue' | 'prune' {
    for (const rung of this.rungs) {
      const recorded = this.recorded.get(rung)!;
      if (epoch < rung || recorded.has(trialId)) continue;
      const cutoff = nanPercentile([...recorded.values()], (1 - 1 / this.eta) * 100);
      recorded.set(trialId, value);
      return cutoff !== undefined && value < cutoff ? 'prune' : 'continue';
    }
    return 'continue';
  }

  complete(): void {
    // ASHA decides at rungs only; a completed trial's values are already recorded there.
  }
}
