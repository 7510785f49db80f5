import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : []);

describe('metrics.jsonl', () => {
  it('gets each epoch of each phase as it finishes, while the run is still going', async () => {
    const out = join(dir, 'run');
    const file = join(out, 'metrics.jsonl');
    let seenDuringRun: Array<{ phase: string }> | undefined;
    const r = await runCli(['run', TINY_CONFIG, '--out', out], {
      onStderr: (chunk) => {
        // The teacher has finished and the students have not: its epochs must already be in the file.
        if (seenDuringRun === undefined && chunk.includes('[student-alone] started')) seenDuringRun = read(file);
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(seenDuringRun?.map((l) => l.phase)).toEqual(['teacher', 'teacher']);
    const lines = read(file);
    expect(lines.map((l) => `${l.phase} ${l.epoch}/${l.epochs}`)).toEqual([
      'teacher 1/2', 'teacher 2/2', 'student-alone 1/2', 'student-alone 2/2', 'student-kd 1/2', 'student-kd 2/2',
    ]);
    for (const l of lines) {
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
      expect(Object.values(l.losses).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    }
    expect(Object.keys(lines.at(-1).losses)).toEqual(['ce', 'kd']);
  });
});
