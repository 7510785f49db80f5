import { describe, expect, it } from 'vitest';
import { WorkerLog } from '../src/commands/worker-log.js';

describe("a queue worker's log", () => {
  const trial = { type: 'start', jobId: 'j1', task: 'trial 4363e179c697d15a', attempt: 1, trial: { params: { 'distillation.lambda': 0.5, 'distillation.temperature': 2 }, seed: 1 } } as const;
  const epoch = (done: number) => ({ type: 'progress', jobId: 'j1', task: 'trial 4363e179c697d15a', done, total: 20 }) as const;

  it('names a trial by its grid values and seed, and ends it with its time, epochs and best validation accuracy', () => {
    const log = new WorkerLog(10_000, () => 0);
    expect(log.line(trial)).toBe('trial 4363e179c697d15a (λ=0.5 T=2 seed 1): started');
    expect(log.line({ ...trial, jobId: 'j2', attempt: 2 })).toBe('trial 4363e179c697d15a (λ=0.5 T=2 seed 1): started (attempt 2)');
    expect(log.line({ type: 'end', jobId: 'j1', task: trial.task, ok: true, elapsedMs: 2430, epochs: 20, validationAccuracy: 0.99667 })).toBe(
      'trial 4363e179c697d15a (λ=0.5 T=2 seed 1): done in 2.4 s · 20 epochs · best val 99.67 %',
    );
    expect(log.line({ type: 'end', jobId: 'j2', task: trial.task, ok: false, elapsedMs: 120, message: 'picky: cannot train at temperature 2' })).toBe(
      'trial 4363e179c697d15a (λ=0.5 T=2 seed 1): failed after 0.1 s: picky: cannot train at temperature 2',
    );
    // A shard has no grid values; a trial without a validation split, no accuracy.
    expect(log.line({ type: 'start', jobId: 's1', task: 'shard 0-750', attempt: 1 })).toBe('shard 0-750: started');
    expect(log.line({ type: 'end', jobId: 's1', task: 'shard 0-750', ok: true, elapsedMs: 310 })).toBe('shard 0-750: done in 0.3 s');
    expect(log.line({ type: 'end', jobId: 'j3', task: 'trial ab', ok: true, elapsedMs: 1000, epochs: 1 })).toBe('trial ab: done in 1.0 s · 1 epoch');
  });

  it("says a job's progress at most once per interval (a heartbeat), and every epoch with an interval of 0", () => {
    let now = 0;
    const log = new WorkerLog(10_000, () => now);
    log.line(trial);
    const said: string[] = [];
    for (let e = 1; e <= 20; e++) {
      now = e * 1500; // an epoch every 1.5 s
      const line = log.line(epoch(e));
      if (line !== undefined) said.push(line);
    }
    // 10 s after the start (epoch 7, at 10.5 s), then 10 s after that (epoch 14, at 21 s).
    expect(said).toEqual(['trial 4363e179c697d15a (λ=0.5 T=2 seed 1): epoch 7/20', 'trial 4363e179c697d15a (λ=0.5 T=2 seed 1): epoch 14/20']);
    const every = new WorkerLog(0, () => 0);
    every.line(trial);
    expect([1, 2, 3].map((e) => every.line(epoch(e)))).toEqual([1, 2, 3].map((e) => `trial 4363e179c697d15a (λ=0.5 T=2 seed 1): epoch ${e}/20`));
  });
});
