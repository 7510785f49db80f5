import { assertPositiveInteger, type TermWeight } from '@distillery/core';
import { nonNegativeNumber } from './loss-options.js';

/** A weight that stays `weight` for the whole run. */
export function constantWeight(weight: number): TermWeight {
  return nonNegativeNumber('weight', weight);
}

/**
 * A weight that rises linearly from to/epochs in the first epoch to `to` in epoch `epochs` − 1
 * (epochs are 0-based), then stays there. Starting above 0 keeps every epoch's term alive; it is
 * mdistiller's min(epoch / warmup, 1) with its 1-based epoch.
 */
export function linearWarmup(to: number, epochs: number): TermWeight {
  nonNegativeNumber('linearWarmup.to', to);
  assertPositiveInteger('linearWarmup.epochs', epochs);
  return (epoch: number) => to * Math.min((epoch + 1) / epochs, 1);
}
