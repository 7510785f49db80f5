import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../src/index.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/pruned-sweep.ts', import.meta.url));

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-sweep-pruning-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the pruned sweep in a child; `killAfterLines` sends SIGKILL once trials.jsonl has that many lines. */
function runSweep(folder: string, killAfterLines?: number, workers = 1): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, folder, String(workers)], { env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const watch =
      killAfterLines === undefined
        ? undefined
        : setInterval(() => {
            void lines(folder).then((n) => {
              if (n.length >= killAfterLines) child.kill('SIGKILL');
            });
          }, 50);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (watch !== undefined) clearInterval(watch);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const lines = async (folder: string) =>
  existsSync(join(folder, 'trials.jsonl')) ? (await readFile(join(folder, 'trials.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '') : [];
const records = async (folder: string) => (await lines(folder)).flatMap((l) => { try { return [JSON.parse(l) as TrialRecord]; } catch { return []; } });

describe('a pruned, retried sweep', () => {
  it('asha prunes trials at its rungs, keeps them with their epochs, and a kill -9 then rerun loses nothing, runs nothing twice, and gives the same summary', async () => {
    const whole = join(dir, 'whole');
    const uninterrupted = await runSweep(whole);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const reference = JSON.parse(uninterrupted.stdout) as { summary: unknown; statuses: Record<string, number>; ran: number };
    expect(reference.statuses['pruned']).toBeGreaterThan(0);
    expect(reference.statuses['ok']).toBeGreaterThan(0);
    const wholeRecords = await records(whole);
    expect(wholeRecords).toHaveLength(8);
    // The first trial's worker died once: it was retried, on a fresh worker, and finished.
    expect(wholeRecords[0]).toMatchObject({ retried: true });
    for (const r of wholeRecords.filter((x) => x.status === 'pruned')) {
      if (r.status !== 'pruned') continue;
      // Stopped exactly at an ASHA rung (1 or 3 epochs of 9), with those epochs kept.
      expect([1, 3]).toContain(r.stoppedAtEpoch);
      expect(r.epochs).toHaveLength(r.stoppedAtEpoch);
      expect(r.reason).toMatch(/^asha pruner: validation accuracy/);
    }

    // The same sweep, killed after 3 trials are recorded, then run again.
    const killed = join(dir, 'killed');
    const first = await runSweep(killed, 3);
    expect(first.signal).toBe('SIGKILL');
    const before = await records(killed);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(8);
    const rerun = await runSweep(killed);
    expect(rerun.code, rerun.stderr).toBe(0);
    const resumed = JSON.parse(rerun.stdout) as typeof reference;
    expect(resumed.ran).toBe(8 - before.length);
    const after = await records(killed);
    // Nothing lost, nothing twice: each trial once (a line cut short by the kill is not a record).
    expect(new Set(after.map((r) => r.id)).size).toBe(after.length);
    expect(after).toHaveLength(8);
    expect(after.map((r) => r.id).sort()).toEqual(wholeRecords.map((r) => r.id).sort());
    expect(resumed.summary).toEqual(reference.summary);
    expect(resumed.statuses).toEqual(reference.statuses);
  });

  it('with 2 workers, a kill -9 then rerun loses nothing and records nothing twice (the order, so ASHA\'s decisions, may differ)', async () => {
    const killed = join(dir, 'killed-2');
    const first = await runSweep(killed, 3, 2);
    expect(first.signal).toBe('SIGKILL');
    const before = await records(killed);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(8);
    const rerun = await runSweep(killed, undefined, 2);
    expect(rerun.code, rerun.stderr).toBe(0);
    const resumed = JSON.parse(rerun.stdout) as { statuses: Record<string, number>; ran: number };
    expect(resumed.ran).toBe(8 - before.length);
    const after = await records(killed);
    expect(after).toHaveLength(8);
    expect(new Set(after.map((r) => r.id)).size).toBe(8);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(Object.values(resumed.statuses).reduce((a, b) => a + b, 0)).toBe(8);
    expect(after.every((r) => r.status === 'ok' || r.status === 'pruned')).toBe(true);
  });
});
