import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { EXAMPLE_PLUGIN, journeyConfig, runOk, teacherSection, trialLines, writeConfig } from './journey-helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-journeys-2-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const trained = teacherSection('trained', ['', '']);

/**
 * A temperature must reach every loss that takes one — a built-in and a third-party plugin alike,
 * in `run` and in `sweep` (with workers, where the plugin loads in each thread). A third-party loss
 * once failed in `run` ("unknown loss") and, in a sweep, ignored T: T = 1 and T = 8 gave equal numbers.
 */
describe.each([
  ['built-in kd', 'kd', {}],
  ['third-party jsd', 'jsd', { plugins: [EXAMPLE_PLUGIN] }],
] as const)('loss %s', (_, loss, extra) => {
  it('run and sweep train with it, and the temperature changes its results', { timeout: 240_000 }, async () => {
    const config = journeyConfig(trained, { ...extra, distillation: { loss, lambda: 1, temperature: 4 }, sweep: { grid: { temperature: [1, 8] }, seeds: [1] } });
    const file = await writeConfig(dir, `loss-${loss}`, config);
    const runAt = async (t: string) => JSON.parse((await runOk(['run', file, '--temperature', t, '--out', join(dir, `${loss}-run-t${t}`), '--workers', '2', '--json'])).stdout).report;
    const [cold, hot] = [await runAt('1'), await runAt('8')];
    expect(cold.settings).toMatchObject({ distillationLoss: loss, temperature: 1 });
    expect(hot.settings).toMatchObject({ distillationLoss: loss, temperature: 8 });
    // Same teacher, same split, same initial student: only T differs, so the distilled student does.
    expect(hot.teacher.accuracy).toBe(cold.teacher.accuracy);
    expect(hot.studentAlone.loss).toBe(cold.studentAlone.loss);
    expect(hot.studentKd.loss).not.toBe(cold.studentKd.loss);

    await runOk(['sweep', file, '--out', join(dir, `${loss}-sweep`), '--workers', '2', '--quiet']);
    const trials = await trialLines(join(dir, `${loss}-sweep`));
    expect(trials.map((t) => t.params)).toEqual(expect.arrayContaining([{ temperature: 1 }, { temperature: 8 }]));
    const term = (t: (typeof trials)[number]) => t.last!.losses[loss]!;
    expect(trials.every((t) => t.status === 'ok' && Number.isFinite(term(t)))).toBe(true);
    expect(term(trials[0]!)).not.toBe(term(trials[1]!));
  });
});

describe('a folder knows what it holds', () => {
  it('refuses a rerun with another teacher or grid, naming what differs, and writes nothing', { timeout: 240_000 }, async () => {
    const out = join(dir, 'folder-sweep');
    // λ = 0 in the grid: its baseline runs once (no T), and the table and heatmap show it.
    const grid = { sweep: { grid: { lambda: [0, 1], temperature: [2, 8] }, seeds: [1] } };
    const file = await writeConfig(dir, 'folder', journeyConfig({ ...trained, options: { hidden: [16] } }, grid));
    const first = await runOk(['sweep', file, '--out', out, '--workers', '0']);
    // No validation split configured: the sweep carves one and says it selects on it, never on test.
    expect(first.stderr + first.stdout).toMatch(/carved \d+ training examples/);
    expect(first.stdout).toContain('best on validation:');
    expect(first.stdout).toContain('(reported only)');
    expect(first.stdout).not.toMatch(/best on test/);
    const resolved = await readFile(join(out, 'config.resolved.json'), 'utf8');
    const resolvedTime = (await stat(join(out, 'config.resolved.json'))).mtimeMs;

    // The λ = 0 row: T not set (the baseline ran once).
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('| 0 | — |');
    const otherTeacher = await writeConfig(dir, 'folder-teacher', journeyConfig({ ...trained, options: { hidden: [12] } }, grid));
    const refused = await runCli(['sweep', otherTeacher, '--out', out, '--workers', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('teacher.options.hidden is [16] in the folder, [12] now');
    expect(refused.stderr).toContain('use another --out folder, or delete');

    const otherGrid = await writeConfig(dir, 'folder-grid', journeyConfig({ ...trained, options: { hidden: [16] } }, { sweep: { grid: { lambda: [0, 1], temperature: [2, 3] }, seeds: [1] } }));
    const refusedGrid = await runCli(['sweep', otherGrid, '--out', out, '--workers', '0']);
    expect(refusedGrid.code).toBe(1);
    expect(refusedGrid.stderr).toContain('sweep.grid.temperature is [2,8] in the folder, [2,3] now');
    // A refused command wrote nothing: the folder still describes the first sweep.
    expect(await readFile(join(out, 'config.resolved.json'), 'utf8')).toBe(resolved);
    expect((await stat(join(out, 'config.resolved.json'))).mtimeMs).toBe(resolvedTime);

    // The same command resumes: its teacher is reloaded from the folder, every trial is already done.
    const again = await runOk(['sweep', file, '--out', out, '--workers', '0']);
    expect(again.stderr).toContain('reusing the teacher');
    expect(again.stdout).toContain('0 trial(s) run, 3 already done');
  });
});
