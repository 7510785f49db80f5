import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-next-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the end of a sweep says what to run next', () => {
  it('a ranked table, the best setting on validation, and a command that trains it (which runs)', async () => {
    const swept = await runCli(['sweep', TINY_CONFIG, '--out', join(dir, 'sweep'), '--workers', '0']);
    expect(swept.code, swept.stderr).toBe(0);
    const rows = swept.stdout.split('\n').filter((l) => /^│ \d /.test(l));
    expect(rows).toHaveLength(4);
    const validation = rows.map((r) => Number(r.split('│')[4]!.trim().split(' ')[0]));
    expect(validation).toEqual([...validation].sort((a, b) => b - a)); // ranked on validation, best first
    const best = /best on validation: lambda (\S+), temperature (\S+) —/.exec(swept.stdout);
    expect(best).not.toBeNull();
    const command = /train it: distillery (run .*)$/m.exec(swept.stdout)![1]!.split(' ');
    expect(command.slice(-4)).toEqual(['--lambda', best![1], '--temperature', best![2]]);

    const trained = await runCli([...command, '--out', join(dir, 'best'), '--quiet']);
    expect(trained.code, trained.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'best', 'report.json'), 'utf8'));
    expect(report.settings).toMatchObject({ lambda: Number(best![1]), temperature: Number(best![2]) });
  });
});
