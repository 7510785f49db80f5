import { setupBackend, tf } from '@distillery/core';
import { folderFetch } from '@distillery/core/testing';
import { loadConfig } from '@distillery/cli';
import { createPluginRegistry } from '@distillery/runner';
import { access, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  await setupBackend(); // this test process loads saved models too
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const exists = (path: string) => access(path).then(() => true, () => false);

describe('distillery run', () => {
  it('runs the default job with its flags (the README quick start), printing the report', async () => {
    const out = join(dir, 'default');
    const r = await runCli(['--out', out, '--teacher-epochs', '1', '--student-epochs', '1', '--labelled-fraction', '0.05']);
    expect(r.stderr).toContain('[student-kd] epoch 1/1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/student \+ kd\s+25,450\s+\d+\.\d\d%/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.settings).toMatchObject({ labelled: 400, transfer: 8004, test: 1996, lambda: 1, temperature: 4 });
    for (const key of ['teacher', 'studentAlone', 'studentKd']) expect(report[key].accuracy).toBeGreaterThan(0.5);
    const student = await tf.loadLayersModel(tf.io.http('http://localhost/student/model.json', { fetchFunc: folderFetch(join(out, 'student')) }));
    expect(student.outputs[0]!.shape).toEqual([null, 10]);
    student.dispose();
  });

  it('runs a config: resolved config, run data, report and plots, saved models', async () => {
    const out = join(dir, 'run');
    const r = await runCli(['run', TINY_CONFIG, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = await readdir(out);
    for (const f of ['config.resolved.json', 'run.json', 'report.json', 'report.md', 'report.html', 'student', 'teacher', 'plots']) expect(files).toContain(f);
    const resolved = JSON.parse(await readFile(join(out, 'config.resolved.json'), 'utf8'));
    expect(resolved).toMatchObject({ name: 'tiny', seed: 1, distillation: { loss: 'kd', form: 'sum' }, student: { train: { learningRate: 0.003 } } });
    const plots = await readdir(join(out, 'plots'));
    expect(plots.some((p) => p.endsWith('.png'))).toBe(true);
    expect(plots.some((p) => p.endsWith('.svg'))).toBe(true);
  });

  it('takes a saved teacher (--teacher), skipping its training, with the same accuracy — with a worker pool too', async () => {
    const first = JSON.parse(await readFile(join(dir, 'run', 'run.json'), 'utf8'));
    // With workers the saved teacher must cross to them (it once failed: "cannot be serialised").
    const r = await runCli(['run', TINY_CONFIG, '--teacher', join(dir, 'run', 'teacher'), '--out', join(dir, 'saved'), '--workers', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.report.teacher.accuracy).toBe(first.report.teacher.accuracy);
    expect(parsed.report.timingsMs.teacher).toBeLessThan(first.report.timingsMs.teacher);
  });

  it('applies the config’s augmentation with the teacher run online on the augmented inputs', async () => {
    const config = join(dir, 'augmented.yaml');
    const tiny = await readFile(TINY_CONFIG, 'utf8');
    await writeFile(config, tiny.replace('  temperature: 4\n', '  temperature: 4\n  augmentation: { plugin: shift, options: { pixels: 2 } }\n  onlineTeacher: true\n'));
    const r = await runCli(['run', config, '--out', join(dir, 'augmented'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).report.settings).toMatchObject({ augmentation: 'shift', onlineTeacher: true });
  });

  it('--json prints the result as JSON', async () => {
    const r = await runCli(['run', TINY_CONFIG, '--out', join(dir, 'json'), '--json', '--seed', '2']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.report.settings.seed).toBe(2);
    expect(parsed.speed.studentKd.samplesPerSecond).toBeGreaterThan(0);
    // The median of 7 passes, inside its slowest–fastest range.
    const { samplesPerSecond, range, passes } = parsed.speed.studentKd as { samplesPerSecond: number; range: [number, number]; passes: number };
    expect(passes).toBe(7);
    expect(range[0]).toBeLessThanOrEqual(samplesPerSecond);
    expect(samplesPerSecond).toBeLessThanOrEqual(range[1]);
  });
});

describe('distillery label', () => {
  it('caches the teacher logits over workers; a second run is a cache hit', async () => {
    const out = join(dir, 'label');
    const first = await runCli(['label', TINY_CONFIG, '--out', out, '--workers', '2', '--json']);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ cache: 'miss', examples: 600, classes: 10, examplesComputed: 600, teacherPasses: 1, workers: 2 });
    expect(await exists(join(a.cacheDirectory))).toBe(true);
    // One record, two places: the folder's labels.json is what --json printed (their names differed: `cache` was the folder there).
    expect(JSON.parse(await readFile(join(out, 'labels.json'), 'utf8'))).toEqual(a);
    const second = await runCli(['label', TINY_CONFIG, '--out', out, '--workers', '2', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ cache: 'hit', teacherPasses: 0, examplesComputed: 0 });
  });
});

describe('distillery label, then a run that uses its logits', () => {
  it('says how a run reads them (teacher.cache, the teacher that made them), and that run does: a cache hit, no teacher trained', async () => {
    const out = join(dir, 'label-next');
    const labelled = await runCli(['label', TINY_CONFIG, '--out', out, '--workers', '0']);
    expect(labelled.code, labelled.stderr).toBe(0);
    // It said only `cache: …/logit-cache`: a folder no run of this config ever reads (each run folder has a cache of its own).
    const cache = join(out, 'logit-cache');
    // --workers 0 computed them here: it said `on 0 worker(s)`.
    expect(labelled.stdout).toMatch(/cache miss \(\d+ examples\/s in this thread\)/);
    // Paths as a person types them: relative to here when below here.
    const shown = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
    const tiny = shown(TINY_CONFIG);
    expect(labelled.stdout).toContain(`use them: set teacher.cache: ${JSON.stringify(cache)} in ${tiny}, then distillery run ${tiny} --teacher ${join(out, 'teacher')} (or sweep) reads them from this cache`);
    const config = join(dir, 'label-next.yaml');
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace('teacher:\n', `teacher:\n  cache: ${JSON.stringify(cache)}\n`));
    // With teacher.cache set, label says the run to use; --teacher keeps the config's teacher.cache (it was dropped with the rest of the teacher section).
    const again = await runCli(['label', config, '--out', join(dir, 'label-next-2'), '--workers', '0', '--teacher', join(out, 'teacher')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('cache hit');
    expect(again.stdout).toContain(`cache: ${cache}\nuse them: distillery run ${shown(config)} --teacher ${join(out, 'teacher')} (or sweep) reads them from this cache`);
    const run = await runCli(['run', config, '--teacher', join(out, 'teacher'), '--out', join(dir, 'label-next-run')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(' · soft labels from the cache · ');
    const report = JSON.parse(await readFile(join(dir, 'label-next-run', 'report.json'), 'utf8'));
    expect(report.settings.softLabelCache).toBe('hit');
    expect(run.stderr).not.toMatch(/\[teacher\] epoch/);
  });
});

describe('distillery sweep and report', () => {
  it('sweeps in parallel, resumes with nothing to do, and rebuilds its report', async () => {
    const out = join(dir, 'sweep');
    const first = await runCli(['sweep', TINY_CONFIG, '--out', out, '--workers', '2']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('4 trial(s) run, 0 already done, 0 failed');
    const lines = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const f of ['sweep.json', 'results.md', 'report.md', 'report.html', 'teacher']) expect(await exists(join(out, f))).toBe(true);
    const again = await runCli(['sweep', TINY_CONFIG, '--out', out, '--workers', '2', '--quiet']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 trial(s) run, 4 already done');
    await rm(join(out, 'report.md'));
    const rebuilt = await runCli(['report', out]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain('sweep report written');
    expect(await exists(join(out, 'report.md'))).toBe(true);

    // More seeds and a grid value in the config: the same folder runs only the new trials (it was refused as "made with other settings").
    const wider = join(dir, 'wider.yaml');
    const tiny = await readFile(TINY_CONFIG, 'utf8');
    await writeFile(wider, tiny.replace('seeds: [1]', 'seeds: [1, 2]').replace('lambda: [0.5, 1]', 'lambda: [0.5, 1, 0]'));
    const extended = await runCli(['sweep', wider, '--out', out, '--workers', '2', '--quiet']);
    expect(extended.code, extended.stderr).toBe(0);
    // 5 combinations (λ = 0 once: T changes nothing there) × 2 seeds = 10 trials, 4 of them done.
    expect(extended.stdout).toContain('6 trial(s) run, 4 already done, 0 failed (all trials: 10 ok)');
    expect((await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(10);
    // Taking a seed out is another sweep: refused, saying what may change.
    const narrower = await runCli(['sweep', TINY_CONFIG, '--out', out, '--workers', '2']);
    expect(narrower.code).toBe(1);
    expect(narrower.stderr).toContain('sweep.seeds is [1,2] in the folder, [1] now (2 taken out)');
    expect(narrower.stderr).toContain('a sweep is extended in place by more seeds, and a grid search by more values in its grid lists: its finished trials are kept');
  });

  it('stops cleanly on Ctrl-C, keeps finished trials, and says how to resume', async () => {
    const out = join(dir, 'interrupted');
    let sent = false;
    const r = await runCli(['sweep', TINY_CONFIG, '--out', out, '--workers', '1'], {
      onStderr: (chunk, child) => {
        if (!sent && chunk.includes('[sweep] 1/4')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('run the same command again to resume');
    const kept = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n').length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(4);
    const resumed = await runCli(['sweep', TINY_CONFIG, '--out', out, '--workers', '2', '--quiet']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`${4 - kept} trial(s) run, ${kept} already done`);
  });

  it('rebuilds a run report', async () => {
    const out = join(dir, 'run');
    await rm(join(out, 'report.html'));
    const r = await runCli(['report', out]);
    expect(r.code).toBe(0);
    expect(await exists(join(out, 'report.html'))).toBe(true);
    const bad = await runCli(['report', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('holds neither a run (run.json) nor a sweep (sweep.json)');
    // What the folder is instead, where it says (they all said "holds neither a run … nor a sweep").
    const missing = await runCli(['report', join(dir, 'no-such-folder')]);
    expect(missing.stderr).toContain(`${join(dir, 'no-such-folder')} does not exist: give a run or sweep folder`);
    const label = await runCli(['report', join(dir, 'label')]);
    expect(label.stderr).toContain(`${join(dir, 'label')} is a label folder: label writes no report (its labels.json says what it computed)`);
    // A run stopped before its end: its folder record, no run.json.
    const stopped = join(dir, 'stopped-run');
    await mkdir(stopped);
    await cp(join(out, 'distillery-folder.json'), join(stopped, 'distillery-folder.json'));
    const unfinished = await runCli(['report', stopped]);
    expect(unfinished.stderr).toContain(`${stopped} holds a run that has not finished (no run.json yet): run the same command again to finish it`);
  });
});

describe('distillery eval, init, schema', () => {
  it('evaluates a saved model on a dataset, agreeing with the run that trained it', async () => {
    const r = await runCli(['eval', join(dir, 'run', 'student'), '--data', 'mnist-embedded', '--data-options', '{"limit":{"test":200}}', '--json']);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(r.stdout);
    const run = JSON.parse(await readFile(join(dir, 'run', 'run.json'), 'utf8'));
    expect(metrics.count).toBe(200);
    expect(metrics.accuracy).toBe(run.report.studentKd.accuracy);
    const bad = await runCli(['eval', join(dir, 'run', 'student'), '--data', 'mnist', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown dataset "mnist".*available: .*fashion-mnist, idx, .*mnist-embedded/);
  });

  it('without --data, evaluates on the dataset recorded in the run folder (its options too)', async () => {
    const r = await runCli(['eval', join(dir, 'run', 'student'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const metrics = JSON.parse(r.stdout);
    const run = JSON.parse(await readFile(join(dir, 'run', 'run.json'), 'utf8'));
    expect(metrics.dataset).toBe('mnist-embedded/test[0:200]'); // tiny.yaml's limit, not the 1,996 test digits
    expect(metrics.accuracy).toBe(run.report.studentKd.accuracy);
    // The same model copied out of its run folder: nothing says its dataset, so --data is asked for.
    await cp(join(dir, 'run', 'student'), join(dir, 'outside', 'student'), { recursive: true });
    const outside = await runCli(['eval', join(dir, 'outside', 'student')]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain(`--data: ${join(dir, 'outside', 'student')} is not inside a run folder`);
    // A folder with no model is named as that, before any question about the dataset.
    const noModel = await runCli(['eval', join(dir, 'run')]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toBe(`distillery: ${join(dir, 'run', 'model.json')} is missing: a model directory holds model.json and its weight files\n`);
  });

  it('writes a starter config that is itself valid, and does not overwrite it', async () => {
    const file = join(dir, 'starter.yaml');
    const r = await runCli(['init', file]);
    expect(r.code).toBe(0);
    const loaded = await loadConfig(file);
    expect(loaded.config.distillation).toMatchObject({ loss: 'kd', lambda: 1, temperature: 4 });
    // Its header's commands name the file it was written to, not a default name.
    expect(await readFile(file, 'utf8')).toContain(`# Run it:  distillery run ${file}     Sweep it:  distillery sweep ${file}`);
    const again = await runCli(['init', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists (use --force to overwrite)');
    expect((await runCli(['init', file, '--force'])).code).toBe(0);
  });

  it("names every built-in plugin in the starter's comments, and its commented augmentation and feature term are valid when uncommented", async () => {
    const file = join(dir, 'starter-choices.yaml');
    expect((await runCli(['init', file])).code).toBe(0);
    const text = await readFile(file, 'utf8');
    const registry = await createPluginRegistry();
    const line = (key: string) => text.split('\n').find((l) => l.trimStart().startsWith(key)) ?? '';
    for (const [kind, key] of [['dataset', 'dataset:'], ['teacher', 'plugin: mlp'], ['augmentation', '# augmentation:']] as const) {
      for (const name of registry.names(kind)) expect(line(key), `${kind} ${name}`).toContain(name);
    }
    // The students' line is the second `plugin: mlp`.
    for (const name of registry.names('student')) expect(text.split('\n').filter((l) => l.trimStart().startsWith('plugin: mlp'))[1]).toContain(name);
    // Each loss is a logit loss in distillation.loss's list, a feature loss in features', or ce (always there).
    for (const name of registry.names('loss')) {
      if (name !== 'ce') expect(`${line('loss:')} ${line('# features:')}`, `loss ${name}`).toMatch(new RegExp(`[ |]${name}[ |(]`));
    }
    await writeFile(file, text.replace('  # augmentation:', '  augmentation:').replace('  # features:', '  features:').replace('# executor:', 'executor:'));
    const { config } = await loadConfig(file);
    expect(config.executor).toBe('redis://127.0.0.1:6379');
    expect(config.distillation.augmentation).toEqual({ plugin: 'shift', options: {} });
    expect(config.distillation.features).toMatchObject([{ student: 'dense_1', teacher: 'dense_1', loss: 'hint', adapter: 'dense' }]);
  });

  it('prints the config JSON Schema, and answers --version and --help', async () => {
    const schema = JSON.parse((await runCli(['schema'])).stdout);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['data', 'teacher', 'student', 'distillation', 'sweep']));
    expect(schema.properties.distillation.properties.lambda).toMatchObject({ minimum: 0, maximum: 1 });
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe('0.1.0');
    const help = await runCli(['sweep', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--workers <n>');
  });
});
