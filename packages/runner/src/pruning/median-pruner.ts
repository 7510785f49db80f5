import { assertPositiveInteger, configError } from '@distillery/core';
import { nanPercentile } from './percentile.js';
import type { Pruner } from './pruner.js';

export interface MedianOptions {
  /** Completed trials needed before anything is pruned (default 5, Optuna's n_startup_trials). */
  readonly startupTrials?: number | undefined;
  /** Epochs a trial always runs before it can be pruned (default 0, Optuna's n_warmup_steps). */
  readonly warmupEpochs?: number | undefined;
}

/**
 * Optuna's MedianPruner (PercentilePruner at 50, maximising): once `startupTrials` trials have
 * completed, a trial past `warmupEpochs` is pruned when its best value so far is below the
 * median of the completed trials' values at the same epoch. No completed trial reached that
 * epoch → no decision (continue). A NaN value is pruned at once, as Optuna does.
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly startupTrials: number;
  private readonly warmupEpochs: number;
  /** Every reported value, by trial, index epoch − 1. */
  private readonly values = new Map<string, number[]>();
  private readonly completed = new Set<string>();

  constructor(options: MedianOptions = {}) {
    this.startupTrials = options.startupTrials ?? 5;
    this.warmupEpochs = options.warmupEpochs ?? 0;
    if (!Number.isInteger(this.startupTrials) || this.startupTrials < 0) throw configError('sweep.pruner.startupTrials', 'an integer ≥ 0', this.startupTrials);
    if (!Number.isInteger(this.warmupEpochs) || this.warmupEpochs < 0) throw configError('sweep.pruner.warmupEpochs', 'an integer ≥ 0', this.warmupEpochs);
  }

  report(trialId: string, epoch: number, value: number): 'continue' | 'prune' {
    assertPositiveInteger('epoch', epoch);
    const values = this.values.get(trialId) ?? [];
    values[epoch - 1] = value;
    this.values.set(trialId, values);
    if (this.completed.size < this.startupTrials) return 'continue';
    // Optuna's steps count from 0: step = epoch − 1, pruned only when step ≥ n_warmup_steps.
    if (epoch - 1 < this.warmupEpochs) return 'continue';
    if (Number.isNaN(value)) return 'prune';
    const best = Math.max(...values.filter((v) => !Number.isNaN(v)));
    const atEpoch = [...this.completed].map((id) => this.values.get(id)?.[epoch - 1]).filter((v): v is number => v !== undefined);
    const median = nanPercentile(atEpoch, 50);
    return median !== undefined && best < median ? 'prune' : 'continue';
  }

  complete(trialId: string): void {
    this.completed.add(trialId);
  }
}
