import { describe, expect, it } from 'vitest';
import { countStatuses, divergedAtChance, formatStatusCounts, type TrialEpoch, type TrialRecord } from '../src/index.js';

const epoch = (i: number, loss: number, validationAccuracy: number): TrialEpoch => ({ epoch: i, losses: { ce: loss }, validationAccuracy, testAccuracy: validationAccuracy });

describe('trial states', () => {
  it('flags a trial that ends at chance with a loss grown tenfold, and nothing else', () => {
    // lr 100 on 10 classes: 10.3% at the end, loss 2.3 → 4.2e5.
    expect(divergedAtChance([epoch(0, 2.3, 0.11), epoch(1, 4.2e5, 0.103)], 10)).toMatch(/^ended at chance \(10\.30% for 10 classes\) with its loss grown from 2\.30 to 4\.20e\+5/);
    // At chance but the loss fell: a hard problem, not divergence.
    expect(divergedAtChance([epoch(0, 2.3, 0.1), epoch(1, 2.2, 0.1)], 10)).toBeUndefined();
    // Loss grew tenfold but it learned (overfitting, a noisy term): not flagged.
    expect(divergedAtChance([epoch(0, 0.5, 0.6), epoch(1, 6, 0.7)], 10)).toBeUndefined();
    // One epoch: no trend to judge.
    expect(divergedAtChance([epoch(0, 1e9, 0.1)], 10)).toBeUndefined();
  });

  it('counts every state and words the ones present', () => {
    const base = { params: {}, seed: 1, finishedAt: '' };
    const records: TrialRecord[] = [
      { ...base, id: 'a', status: 'ok', best: epoch(0, 1, 0.5), last: epoch(0, 1, 0.5), epochs: [epoch(0, 1, 0.5)], elapsedMs: 1 },
      { ...base, id: 'b', status: 'pruned', reason: 'asha', stoppedAtEpoch: 1, epochs: [], elapsedMs: 1 },
      { ...base, id: 'c', status: 'pruned', reason: 'asha', stoppedAtEpoch: 3, epochs: [], elapsedMs: 1 },
      { ...base, id: 'd', status: 'failed', error: { name: 'DistilleryError', code: 'E_CONFIG', message: 'x' } },
    ];
    const counts = countStatuses(records);
    expect(counts).toEqual({ ok: 1, pruned: 2, 'timed-out': 0, diverged: 0, failed: 1 });
    expect(formatStatusCounts(counts)).toBe('1 ok, 2 pruned, 1 failed');
  });
});
