import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-pruning-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('distillery sweep with a random search space, a pruner and a trial timeout', () => {
  it('draws the trials from the ranges, prunes with asha, records every state, and reports them', async () => {
    const tiny = await readFile(TINY_CONFIG, 'utf8');
    const sweepSection = [
      'sweep:',
      '  grid:',
      '    distillation.lambda: { uniform: [0.2, 1] }',
      '    student.train.learningRate: { logUniform: [0.0003, 0.01] }',
      '  seeds: [1]',
      '  search: { kind: random, samples: 6, seed: 2 }',
      '  pruner: { kind: asha }',
      '  trialTimeout: 600',
      '',
    ].join('\n');
    const config = join(dir, 'pruned.yaml');
    await writeFile(config, `${tiny.replace(/^sweep:\n(( {2}.*)?\n)*/m, '').replace(/epochs: 2, batchSize: 16/, 'epochs: 3, batchSize: 16')}\n${sweepSection}`);
    const out = join(dir, 'out');
    const result = await runCli(['sweep', config, '--out', out, '--workers', '2', '--trial-timeout', 'auto', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as { ran: number; statuses: Record<string, number> };
    expect(outcome.ran).toBe(6);
    expect(outcome.statuses['ok']! + outcome.statuses['pruned']!).toBe(6);
    const records = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string; params: Record<string, number>; epochs: unknown[] });
    for (const r of records) {
      expect(r.params['distillation.lambda']).toBeGreaterThanOrEqual(0.2);
      expect(r.params['student.train.learningRate']).toBeGreaterThanOrEqual(0.0003);
      if (r.status === 'pruned') expect(r.epochs.length).toBeLessThan(3);
    }
    expect(await readFile(join(out, 'results.md'), 'utf8')).toMatch(/trials: \d+ ok/);
    const bad = await runCli(['sweep', config, '--out', join(dir, 'bad'), '--trial-timeout', '-3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--trial-timeout must be a number > 0, got -3');
  });
});
