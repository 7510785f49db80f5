import { configError } from '@distillery/core';
import { AshaPruner, type AshaOptions } from './asha-pruner.js';
import { MedianPruner, type MedianOptions } from './median-pruner.js';

/**
 * Decides, epoch by epoch, whether a running trial is worth finishing. Decisions are made as
 * epochs report, in whatever order parallel workers send them (asynchronously, as in ASHA): no
 * trial waits for another. Values are maximised (validation accuracy).
 *
 * `epoch` is the number of epochs the trial has finished (1 after its first epoch).
 */
export interface Pruner {
  readonly name: string;
  report(trialId: string, epoch: number, value: number): 'continue' | 'prune';
  /** The trial ran all its epochs (a pruned or failed trial is never completed). */
  complete(trialId: string): void;
}

export type PrunerConfig =
  | { readonly kind: 'none' }
  | ({ readonly kind: 'median' } & MedianOptions)
  | ({ readonly kind: 'asha' } & AshaOptions);

/** A pruner for a sweep whose trials run `maxEpochs` epochs. */
export function createPruner(config: PrunerConfig, maxEpochs: number): Pruner | undefined {
  if (config.kind === 'none') return undefined;
  if (config.kind === 'median') return new MedianPruner(config);
  if (config.kind === 'asha') return new AshaPruner({ ...config, maxEpochs });
  throw configError('sweep.pruner.kind', "'none', 'median' or 'asha'", (config as { kind: unknown }).kind);
}

/**
 * A resumed sweep replays what its folder holds, in the order it was recorded, so the pruner
 * knows what the first run knew: each finished or pruned trial's epochs, then its completion.
 */
export function replayIntoPruner(
  pruner: Pruner,
  trials: ReadonlyArray<{ readonly id: string; readonly values: readonly number[]; readonly completed: boolean }>,
): void {
  for (const trial of trials) {
    trial.values.forEach((value, i) => pruner.report(trial.id, i + 1, value));
    if (trial.completed) pruner.complete(trial.id);
  }
}
