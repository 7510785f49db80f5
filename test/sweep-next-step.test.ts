import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    // The teacher the sweep trained and chose on, loaded: not a second one trained.
    expect(command.slice(2, 4)).toEqual(['--teacher', join(dir, 'sweep', 'teacher')]);

    const trained = await runCli([...command, '--out', join(dir, 'best'), '--quiet']);
    expect(trained.code, trained.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'best', 'report.json'), 'utf8'));
    expect(report.settings).toMatchObject({ lambda: Number(best![1]), temperature: Number(best![2]) });
  });

  it("repeats the sweep's --seed and --teacher in that command: it distils from the teacher the setting was chosen with", async () => {
    const teacher = join(dir, 'sweep', 'teacher');
    const swept = await runCli(['sweep', TINY_CONFIG, '--out', join(dir, 'seeded'), '--workers', '0', '--seed', '3', '--teacher', teacher, '--quiet']);
    expect(swept.code, swept.stderr).toBe(0);
    // It said `distillery run tiny.yaml --lambda …`: a run on seed 1 (another split) that trained a teacher of its own.
    const command = /train it: distillery (run .*)$/m.exec(swept.stdout)![1]!;
    expect(command).toMatch(new RegExp(`^run \\S+tiny\\.yaml --seed 3 --teacher ${teacher.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --lambda \\S+ --temperature \\S+$`));
  });

  it('saves the best student (the validation-chosen combination, its best seed, at its chosen epoch) and says where', async () => {
    // Two seeds and 6 epochs at a high learning rate, so the seed and the epoch are choices (validation peaks at
    // epoch 2 here); trials run in a worker, the best student is retrained in the main thread.
    const config = join(dir, 'two-seeds.yaml');
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace('seeds: [1]', 'seeds: [1, 2]').replace('epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 0.003', 'epochs: 6, batchSize: 16, transferBatchSize: 64, learningRate: 0.02'));
    const out = join(dir, 'best-sweep');
    const swept = await runCli(['sweep', config, '--out', out, '--workers', '1']);
    expect(swept.code, swept.stderr).toBe(0);
    const saved = JSON.parse(await readFile(join(out, 'best-student.json'), 'utf8'));
    expect(swept.stdout).toContain(`best student (seed ${saved.seed}, epoch ${saved.epoch}, validation ${(100 * saved.validationAccuracy).toFixed(2)} %) saved in ${join(out, 'best-student')}`);

    // The one the table chose: its combination, its best seed on validation, that trial's chosen epoch.
    const best = /best on validation: lambda (\S+), temperature (\S+) —/.exec(swept.stdout)!;
    expect(saved.params).toEqual({ lambda: Number(best[1]), temperature: Number(best[2]) });
    const trials = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const seeds = trials.filter((t) => JSON.stringify(t.params) === JSON.stringify(saved.params));
    expect(seeds).toHaveLength(2);
    const chosen = seeds.reduce((a, b) => (b.best.validationAccuracy > a.best.validationAccuracy ? b : a));
    // Not the last epoch: saving the final weights would fail the eval check below.
    expect(saved.epoch).toBeLessThan(6);
    expect(saved).toMatchObject({ trial: chosen.id, seed: chosen.seed, epoch: chosen.best.epoch + 1, testAccuracy: chosen.best.testAccuracy });

    // The sweep's report says where the saved student is, and which seed and epoch it is.
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(`Its best seed's student (seed ${saved.seed}, the weights after epoch ${saved.epoch}, validation ${(100 * saved.validationAccuracy).toFixed(2)} %) is saved in best-student/`);

    // The saved weights are that trial's at that epoch: eval on the sweep's test set gives its test accuracy.
    const evaluated = await runCli(['eval', join(out, 'best-student'), '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).accuracy).toBe(chosen.best.testAccuracy);

    // A rerun with nothing left to do keeps the saved student.
    const before = (await stat(join(out, 'best-student', 'model.json'))).mtimeMs;
    const again = await runCli(['sweep', config, '--out', out, '--workers', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`saved in ${join(out, 'best-student')}`);
    expect((await stat(join(out, 'best-student', 'model.json'))).mtimeMs).toBe(before);
    // --json says it too (a script had the folder's best-student.json to find): its folder, trial, seed and epoch.
    const json = await runCli(['sweep', config, '--out', out, '--workers', '1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).bestStudent).toEqual({ ...saved, directory: join(out, 'best-student') });
  });
});
