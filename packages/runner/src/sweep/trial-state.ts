import type { TrialEpoch } from '../trial/trial-spec.js';
import type { TrialRecord, TrialStatus } from './results-store.js';

export const TRIAL_STATUSES: readonly TrialStatus[] = ['ok', 'pruned', 'timed-out', 'diverged', 'failed'];

/** How many trials ended in each state (every state present, 0 when none). */
export function countStatuses(records: readonly TrialRecord[]): Record<TrialStatus, number> {
  const counts = Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
  for (const r of records) counts[r.status] += 1;
  return counts;
}

/** "12 ok, 9 pruned, 1 diverged" — the states that occur, in a fixed order. */
export function formatStatusCounts(counts: Readonly<Record<TrialStatus, number>>): string {
  const parts = TRIAL_STATUSES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length === 0 ? 'no trials' : parts.join(', ');
}

/** One line per trial outcome, for progress lines: `PRUNED at epoch 3: asha pruner: …`. */
export function describeTrialOutcome(record: TrialRecord): string {
  const retried = record.retried === true ? ' (retried on a fresh worker)' : '';
  if (record.status === 'ok') {
    const validation = record.best.validationAccuracy === undefined ? '' : `val acc ${pct(record.best.validationAccuracy)}, `;
    return `${validation}test acc ${pct(record.best.testAccuracy)}${retried}`;
  }
  return `${record.status.toUpperCase()}${'error' in record ? ': ' : ' '}${trialOutcomeDetail(record)}${retried}`;
}

/** What happened to a trial that did not end ok, without its state (reports put that in its own column). */
export function trialOutcomeDetail(record: TrialRecord): string {
  if (record.status === 'ok') return 'finished';
  if ('error' in record) return record.reason ?? `${record.error.code}: ${record.error.message}`;
  return `at epoch ${record.stoppedAtEpoch}: ${record.reason}`;
}

/**
 * A trial that ran all its epochs but ended at chance accuracy while its loss grew tenfold or
 * more from the first epoch is not a result: it diverged without going non-finite or past the
 * trainer's bound. Returns why, or undefined for a healthy trial.
 *
 * "At chance": the last epoch's validation accuracy (test accuracy without a validation split)
 * is within 2 points of 1 / classes.
 */
export function divergedAtChance(epochs: readonly TrialEpoch[], numClasses: number): string | undefined {
  if (epochs.length < 2) return undefined;
  const first = totalLoss(epochs[0]!);
  const last = epochs[epochs.length - 1]!;
  const accuracy = last.validationAccuracy ?? last.testAccuracy;
  const chance = 1 / numClasses;
  if (accuracy > chance + 0.02 || !(totalLoss(last) >= 10 * first)) return undefined;
  return `ended at chance (${pct(accuracy)} for ${numClasses} classes) with its loss grown from ${first.toPrecision(3)} to ${totalLoss(last).toPrecision(3)}`;
}

function totalLoss(epoch: TrialEpoch): number {
  return Object.values(epoch.losses).reduce((a, b) => a + b, 0);
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
