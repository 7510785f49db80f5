import { describe, expect, it } from 'vitest';
import { parseWith, planSweep, sampleSearchSpace, trialSpecSchema } from '../src/index.js';

const base = parseWith(
  trialSpecSchema,
  { data: { labelledCount: 10 }, student: { plugin: 'mlp', train: { epochs: 2, batchSize: 16, learningRate: 1e-3 } }, distillation: { lambda: 1, temperature: 4 } },
  'test spec',
);
const space = {
  lambda: { uniform: [0, 1] },
  'student.train.learningRate': { logUniform: [1e-4, 1e-1] },
  'student.train.epochs': { int: [1, 3] },
  'distillation.loss': { choice: ['kd', 'dkd'] },
} as const;

describe('random search spaces', () => {
  it('draws within each range, reproducibly from the seed, each key from its own stream', () => {
    const a = sampleSearchSpace(space, 400, 7);
    expect(sampleSearchSpace(space, 400, 7)).toEqual(a);
    expect(sampleSearchSpace(space, 400, 8)).not.toEqual(a);
    for (const p of a) {
      expect(p['lambda']).toBeGreaterThanOrEqual(0);
      expect(p['lambda']).toBeLessThanOrEqual(1);
      expect(p['student.train.learningRate']).toBeGreaterThanOrEqual(1e-4);
      expect(p['student.train.learningRate']).toBeLessThanOrEqual(1e-1);
      expect([1, 2, 3]).toContain(p['student.train.epochs']);
      expect(['kd', 'dkd']).toContain(p['distillation.loss']);
    }
    // int includes both ends; choice reaches every value.
    expect(new Set(a.map((p) => p['student.train.epochs']))).toEqual(new Set([1, 2, 3]));
    expect(new Set(a.map((p) => p['distillation.loss']))).toEqual(new Set(['kd', 'dkd']));
    // log-uniform: log10 is uniform on [-4, -1], so its mean is near -2.5 (a uniform draw's would be near log10(0.05) ≈ -1.3).
    const meanLog = a.reduce((s, p) => s + Math.log10(p['student.train.learningRate'] as number), 0) / a.length;
    expect(meanLog).toBeGreaterThan(-2.7);
    expect(meanLog).toBeLessThan(-2.3);
    // Adding a key leaves the other keys' draws as they were.
    const wider = sampleSearchSpace({ ...space, temperature: { uniform: [1, 8] } }, 400, 7);
    expect(wider.map((p) => p['lambda'])).toEqual(a.map((p) => p['lambda']));
  });

  it('plans a seeded random search over ranges into trials whose specs carry the draws', () => {
    const grid = { lambda: { uniform: [0, 1] }, 'student.train.learningRate': { logUniform: [1e-4, 1e-2] } } as const;
    const trials = planSweep(base, grid, [1, 2], { kind: 'random', samples: 27, seed: 3 });
    expect(trials).toHaveLength(54);
    expect(planSweep(base, grid, [1, 2], { kind: 'random', samples: 27, seed: 3 }).map((t) => t.id)).toEqual(trials.map((t) => t.id));
    for (const t of trials) {
      expect(t.spec.distillation.lambda).toBe(t.params['lambda']);
      expect(t.spec.student.train.learningRate).toBe(t.params['student.train.learningRate']);
    }
    // A plain list beside ranges is a choice.
    const mixed = planSweep(base, { lambda: { uniform: [0, 1] }, temperature: [2, 4] }, [1], { kind: 'random', samples: 30, seed: 1 });
    expect(new Set(mixed.map((t) => t.params['temperature']))).toEqual(new Set([2, 4]));
  });

  it('refuses ranges in a grid search and malformed ranges, naming the key', () => {
    expect(() => planSweep(base, { lambda: { uniform: [0, 2] } }, [1])).toThrow(/grid\.lambda: expected a list of values \(ranges need search: \{ kind: 'random'/);
    const random = { kind: 'random', samples: 3, seed: 1 } as const;
    expect(() => planSweep(base, { lambda: { uniform: [2, 0] } }, [1], random)).toThrow(/grid\.lambda\.uniform: expected \[low, high\] with low < high/);
    expect(() => planSweep(base, { learningRate: { logUniform: [0, 1] } }, [1], random)).toThrow(/grid\.learningRate\.logUniform: expected \[low, high\] with 0 < low < high/);
    expect(() => planSweep(base, { epochs: { int: [1, 2.5] } }, [1], random)).toThrow(/grid\.epochs\.int: expected \[low, high\] with low < high, both integers/);
    expect(() => planSweep(base, { lambda: { normal: [0, 1] } } as never, [1], random)).toThrow(/grid\.lambda: expected one of \{ uniform/);
    expect(() => planSweep(base, { lambda: [] }, [1], random)).toThrow(/grid\.lambda: expected a non-empty list/);
  });

  it('refuses a value or seed listed twice, and grid keys that would override one another (an alias, a key inside another)', () => {
    // [1, 1] planned one trial per seed, and `lambda` beside `distillation.lambda` kept one of them silently.
    expect(() => planSweep(base, { temperature: [2, 4, 2] }, [1])).toThrow('sweep.grid.temperature: 2 is listed twice (each value is one combination of the grid): list it once');
    expect(() => planSweep(base, { 'student.options.hidden': [[8], [8]] }, [1])).toThrow('sweep.grid.student.options.hidden: [8] is listed twice');
    expect(() => planSweep(base, { lambda: [1] }, [3, 1, 3])).toThrow('sweep.seeds: 3 is listed twice');
    expect(() => planSweep(base, { temperature: [2], 'distillation.temperature': [4] }, [1])).toThrow('sweep.grid: distillation.temperature and temperature both set distillation.temperature');
    expect(() => planSweep(base, { 'student.train': [base.student.train], 'student.train.learningRate': [0.1] }, [1])).toThrow('sweep.grid: student.train.learningRate is inside student.train');
    // Keys side by side are apart.
    expect(planSweep(base, { 'student.train.epochs': [1, 2], 'student.train.learningRate': [0.1] }, [1])).toHaveLength(2);
  });
});
