import { describe, expect, it } from 'vitest';
import { AshaPruner, MedianPruner, createPruner, nanPercentile, replayIntoPruner } from '../src/index.js';

/** Reports `values` (epochs 1, 2, …) for a trial and marks it complete: one finished startup trial. */
function finish(pruner: MedianPruner, id: string, values: number[]): void {
  values.forEach((v, i) => expect(pruner.report(id, i + 1, v)).toBeDefined());
  pruner.complete(id);
}

describe('nanPercentile (numpy linear interpolation)', () => {
  it('matches hand-computed values', () => {
    expect(nanPercentile([0.1, 0.2, 0.3, 0.4], 50)).toBeCloseTo(0.25, 12);
    expect(nanPercentile([0.4, 0.5], (1 - 1 / 3) * 100)).toBeCloseTo(0.4 + 0.1 * (2 / 3), 12);
    expect(nanPercentile([3, NaN, 1, 2], 50)).toBe(2);
    expect(nanPercentile([NaN], 50)).toBeUndefined();
  });
});

describe('median pruner (Optuna MedianPruner rule)', () => {
  it('prunes nothing until 5 trials completed, then a trial whose best so far is below the completed median at that epoch', () => {
    const pruner = new MedianPruner();
    // Four completed trials: still in startup, so even a terrible value continues.
    ['a', 'b', 'c', 'd'].forEach((id, i) => finish(pruner, id, [0.5 + 0.1 * i, 0.55 + 0.1 * i]));
    expect(pruner.report('x', 1, 0.01)).toBe('continue');
    finish(pruner, 'e', [0.9, 0.95]);
    // Epoch 1 values of the completed: 0.5 0.6 0.7 0.8 0.9 → median 0.7.
    expect(pruner.report('y', 1, 0.65)).toBe('prune');
    expect(pruner.report('z', 1, 0.7)).toBe('continue');
    // Epoch 2: the completed trials' values 0.55 0.65 0.75 0.85 0.95 → median 0.75; z's best so far, 0.7, is below it.
    expect(pruner.report('z', 2, 0.5)).toBe('prune');
    expect(pruner.report('w', 1, 0.8)).toBe('continue');
    // w's best so far (0.8, not its latest 0.3) is above the epoch-2 median 0.75: it continues.
    expect(pruner.report('w', 2, 0.3)).toBe('continue');
    // No completed trial has an epoch 3: no basis, no pruning.
    expect(pruner.report('w', 3, 0.0)).toBe('continue');
  });

  it('respects warmupEpochs and startupTrials, and prunes a NaN value', () => {
    const pruner = new MedianPruner({ startupTrials: 2, warmupEpochs: 1 });
    finish(pruner, 'a', [0.5, 0.6]);
    finish(pruner, 'b', [0.7, 0.8]);
    // Median at epoch 1 = 0.6, but epoch 1 (Optuna step 0) is warm-up.
    expect(pruner.report('x', 1, 0.1)).toBe('continue');
    // Epoch 2: median 0.7; best 0.1 < 0.7.
    expect(pruner.report('x', 2, 0.1)).toBe('prune');
    expect(pruner.report('y', 2, NaN)).toBe('prune');
  });
});

describe('asha pruner (Ray Tune ASHAScheduler rule)', () => {
  it('places rungs at grace · η^k up to the epochs', () => {
    expect(new AshaPruner({ maxEpochs: 27 }).rungs).toEqual([27, 9, 3, 1]);
    expect(new AshaPruner({ maxEpochs: 10 }).rungs).toEqual([9, 3, 1]);
    expect(new AshaPruner({ maxEpochs: 8, gracePeriod: 2, reductionFactor: 2 }).rungs).toEqual([8, 4, 2]);
  });

  it('keeps a trial at a rung only in the top 1/η of the values recorded there before it, deciding as epochs arrive', () => {
    const asha = new AshaPruner({ maxEpochs: 9 });
    // Rung 1. A is first there: nothing to compare with.
    expect(asha.report('A', 1, 0.5)).toBe('continue');
    // Cutoff = 66.7th percentile of [0.5] = 0.5.
    expect(asha.report('B', 1, 0.4)).toBe('prune');
    // Of [0.4, 0.5]: 0.4 + 0.1 · 2/3 ≈ 0.467.
    expect(asha.report('C', 1, 0.6)).toBe('continue');
    // Of [0.4, 0.5, 0.6]: rank 4/3 → 0.5 + 0.1/3 ≈ 0.533.
    expect(asha.report('D', 1, 0.45)).toBe('prune');
    expect(asha.report('E', 1, 0.54)).toBe('continue');
    // Between rungs nothing is decided.
    expect(asha.report('A', 2, 0.1)).toBe('continue');
    // Rung 3: A is first; C below A's value is stopped, whatever happened at rung 1.
    expect(asha.report('A', 3, 0.7)).toBe('continue');
    expect(asha.report('C', 3, 0.65)).toBe('prune');
    expect(asha.report('E', 3, 0.71)).toBe('continue');
    // A trial's second report at a rung it already passed is not judged again.
    expect(asha.report('E', 4, 0.0)).toBe('continue');
  });

  it('a resumed sweep replaying its folder decides the next trial as the uninterrupted one would', () => {
    const history = [
      { id: 'A', values: [0.5, 0.6, 0.7], completed: true },
      { id: 'B', values: [0.4], completed: false },
      { id: 'C', values: [0.6, 0.62, 0.65], completed: false },
    ];
    const live = new AshaPruner({ maxEpochs: 3 });
    replayIntoPruner(live, history);
    const replayed = new AshaPruner({ maxEpochs: 3 });
    replayIntoPruner(replayed, [...history].reverse());
    for (const [epoch, value] of [[1, 0.55], [3, 0.66]] as const) expect(replayed.report('N', epoch, value)).toBe(live.report('N', epoch, value));

    const median = new MedianPruner({ startupTrials: 1 });
    replayIntoPruner(median, history);
    // Only A completed: its epoch-1 value 0.5 is the median.
    expect(median.report('N', 1, 0.45)).toBe('prune');
  });

  it('createPruner builds each kind and refuses an unknown one', () => {
    expect(createPruner({ kind: 'none' }, 5)).toBeUndefined();
    expect(createPruner({ kind: 'median' }, 5)?.name).toBe('median');
    expect(createPruner({ kind: 'asha', gracePeriod: 1 }, 9)?.name).toBe('asha');
    expect(() => createPruner({ kind: 'hyperband' } as never, 5)).toThrow(/sweep\.pruner\.kind: expected 'none', 'median' or 'asha'/);
  });
});
