/**
 * A user's own data as a third-party dataset plugin (a plain .mjs file beside the config, named by
 * a relative path), through the real binary: `run` started from another folder, `eval` of its
 * student from a third one, with and without `--data`, the run folder's config.resolved.json run
 * again from inside the run folder, a sweep with 2 workers, a model outside any run folder, and a
 * sweep on a Redis queue whose worker was first started without the plugin.
 */
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../packages/runner/test/support/redis-server.js';
import { runCli, type CliResult } from './cli-helpers.js';
import { trialLines } from './journey-helpers.js';
import { startWorker, stopWorker, trialLine, type WorkerProcess } from './worker-processes.js';
import type { InMemoryDataset, Plugin } from '@distillery/core';
// @ts-expect-error a plain JavaScript plugin module, as a user writes one (no types)
import { plugins as ringsPlugins } from './fixtures/plugins/rings-dataset.mjs';

const plugins = ringsPlugins as Array<Plugin<'dataset'>>;

const PLUGIN = fileURLToPath(new URL('./fixtures/plugins/rings-dataset.mjs', import.meta.url));
// The user's project resolves @distillery/core and zod from its node_modules: these tests' own.
const MODULES = fileURLToPath(new URL('./node_modules', import.meta.url));

let dir = '';
let project = '';
let elsewhere = '';
let runFolder = '';

const ok = async (args: string[], cwd: string): Promise<CliResult> => {
  const result = await runCli(args, { cwd });
  if (result.code !== 0) throw new Error(`distillery ${args.join(' ')} (in ${cwd}) exited ${result.code}:\n${result.stderr}`);
  return result;
};
const evalJson = async (args: string[], cwd: string) => JSON.parse((await ok(['eval', ...args, '--json'], cwd)).stdout) as { accuracy: number; count: number; dataset: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-dataset-plugin-'));
  project = join(dir, 'my-project');
  elsewhere = join(dir, 'elsewhere');
  await mkdir(project);
  await mkdir(elsewhere);
  await symlink(MODULES, join(project, 'node_modules'), 'dir');
  await cp(PLUGIN, join(project, 'rings.mjs'));
  // The teacher plugin's defaults, as a user leaves them: only its width is set.
  const config = {
    name: 'rings',
    plugins: ['./rings.mjs'],
    data: { dataset: 'rings', options: {}, labelledCount: 30, validationCount: 150 },
    teacher: { plugin: 'mlp', options: { hidden: [32, 32] }, train: { epochs: 15, batchSize: 64, learningRate: 0.01 } },
    student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 10, batchSize: 32, learningRate: 0.01 } },
    distillation: { loss: 'kd', lambda: 1, temperature: 4 },
    sweep: { grid: { temperature: [2, 4] }, seeds: [1] },
  };
  await writeFile(join(project, 'rings.yaml'), stringify(config));
  runFolder = join(project, 'runs', 'rings');
  await ok(['run', join(project, 'rings.yaml'), '--out', runFolder, '--workers', '0', '--quiet'], elsewhere);
}, 240_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('a third-party dataset plugin, named by a relative path in the config', () => {
  it('trains a teacher that reads both features: the mlp teacher drops no input on a feature vector by default', async () => {
    const report = JSON.parse(await readFile(join(runFolder, 'report.json'), 'utf8'));
    expect(report.settings.dataset).toBe('rings/train');
    // With input dropout 0.2 on these 2 features (the image default), the teacher reached ~70%.
    expect(report.teacher.accuracy).toBeGreaterThan(0.95);
    expect(report.studentKd.accuracy).toBeGreaterThan(0.9);
  });

  it('records where its relative paths are resolved, and eval finds the plugin from any folder', async () => {
    const resolved = JSON.parse(await readFile(join(runFolder, 'config.resolved.json'), 'utf8'));
    expect(resolved).toMatchObject({ baseDir: project, plugins: ['./rings.mjs'] });
    const report = JSON.parse(await readFile(join(runFolder, 'report.json'), 'utf8'));
    // The run's dataset, found by its record: the distilled student's test accuracy again.
    const recorded = await evalJson([join(runFolder, 'student')], tmpdir());
    expect(recorded).toMatchObject({ dataset: 'rings/test', count: 300 });
    expect(recorded.accuracy).toBeCloseTo(report.studentKd.accuracy, 10);
    // --data names the plugin's dataset with other options: the run's plugins are still loaded.
    expect(await evalJson([join(runFolder, 'student'), '--data', 'rings', '--data-options', '{"test":90}'], tmpdir())).toMatchObject({ dataset: 'rings/test', count: 90 });
    const typo = await runCli(['eval', join(runFolder, 'student'), '--data', 'ringz'], { cwd: tmpdir() });
    expect(typo.stderr).toContain('unknown dataset "ringz" (did you mean "rings"?)');
    // The same test rows as a CSV in the current folder: a path typed in --data-options is read from
    // here, not from the run's folder, and gives the same accuracy.
    const rows = (await plugins[0]!.create({ train: 1, test: 300 }, {}).load('test')) as InMemoryDataset;
    const features = new Float32Array(2 * rows.size);
    rows.copyFeatures(Array.from({ length: rows.size }, (_, i) => i), features);
    const csv = ['x,y,ring', ...Array.from({ length: rows.size }, (_, i) => `${features[2 * i]},${features[2 * i + 1]},${rows.label(i)}`)].join('\n');
    await writeFile(join(elsewhere, 'rings-test.csv'), `${csv}\n`);
    const fromCsv = await evalJson([join(runFolder, 'student'), '--data', 'csv', '--data-options', '{"train":"rings-test.csv","test":"rings-test.csv","label":"ring"}'], elsewhere);
    expect(fromCsv).toMatchObject({ dataset: join(elsewhere, 'rings-test.csv'), count: 300 });
    expect(fromCsv.accuracy).toBeCloseTo(recorded.accuracy, 10);
  });

  it("runs the run folder's config.resolved.json again from inside the run folder, to the same teacher", { timeout: 120_000 }, async () => {
    const again = join(dir, 'again');
    await ok(['run', 'config.resolved.json', '--out', again, '--workers', '0', '--quiet'], runFolder);
    const [first, second] = await Promise.all([runFolder, again].map(async (f) => JSON.parse(await readFile(join(f, 'report.json'), 'utf8'))));
    expect(second.teacher.accuracy).toBe(first.teacher.accuracy);
    expect(second.studentKd.accuracy).toBe(first.studentKd.accuracy);
  });

  it('sweeps with 2 workers, each loading the plugin', { timeout: 120_000 }, async () => {
    const sweepFolder = join(dir, 'sweep');
    await ok(['sweep', join(project, 'rings.yaml'), '--out', sweepFolder, '--workers', '2', '--quiet'], elsewhere);
    const trials = await trialLines(sweepFolder);
    expect(trials.map((t) => [t.params, t.status])).toEqual(expect.arrayContaining([[{ temperature: 2 }, 'ok'], [{ temperature: 4 }, 'ok']]));
    for (const t of trials) expect(t.best!.testAccuracy).toBeGreaterThan(0.8);
    // The report keeps its title when `distillery report` rebuilds it (it became "sweep in <folder>").
    const title = async () => (await readFile(join(sweepFolder, 'report.md'), 'utf8')).split('\n')[0];
    expect(await title()).toBe('# rings: sweep on rings');
    await ok(['report', sweepFolder], elsewhere);
    expect(await title()).toBe('# rings: sweep on rings');
  });

  it('refuses a cnn on its feature vectors in one line naming their shape and the plugin that takes them', async () => {
    const config = stringify({ ...parse(await readFile(join(project, 'rings.yaml'), 'utf8')), student: { plugin: 'cnn', options: { filters: [4] }, train: { epochs: 1, batchSize: 32 } } });
    await writeFile(join(project, 'rings-cnn.yaml'), config);
    const refused = await runCli(['run', 'rings-cnn.yaml', '--out', join(dir, 'cnn')], { cwd: project });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `distillery: ${join(project, 'rings-cnn.yaml')}: student.options: cnn: takes images, examples shaped [height, width, channels]; this data's examples are [2]: feature vectors (a table's rows), which the mlp plugin takes\n`,
    );
  });

  it('refuses an image augmentation on its feature vectors before the teacher trains, naming those that take them', async () => {
    const spec = parse(await readFile(join(project, 'rings.yaml'), 'utf8'));
    await writeFile(join(project, 'rings-shift.yaml'), stringify({ ...spec, distillation: { ...spec.distillation, augmentation: { plugin: 'shift', options: {} } } }));
    const refused = await runCli(['run', 'rings-shift.yaml', '--out', join(dir, 'shift')], { cwd: project });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `distillery: ${join(project, 'rings-shift.yaml')}: distillation.augmentation: shift: takes images, examples shaped [height, width, channels]; these are shaped [2] (feature vectors: noise and mixup take those)\n`,
    );
    // Found before anything trained: once the teacher had trained (and was saved), the student's first batch failed.
    expect(refused.stderr).not.toContain('[teacher]');
    await expect(stat(join(dir, 'shift', 'teacher'))).rejects.toThrow(/ENOENT/);
    // noise takes them: the same run with it trains.
    await writeFile(join(project, 'rings-noise.yaml'), stringify({ ...spec, distillation: { ...spec.distillation, augmentation: { plugin: 'noise', options: {} } } }));
    await ok(['run', 'rings-noise.yaml', '--out', join(dir, 'noise'), '--workers', '0', '--quiet'], project);
  });

  it("runs a config made for a queue here, saying that executor: is for sweep and label (it never reaches for that Redis)", { timeout: 120_000 }, async () => {
    const spec = parse(await readFile(join(project, 'rings.yaml'), 'utf8'));
    await writeFile(join(project, 'rings-queued.yaml'), stringify({ ...spec, executor: 'redis://127.0.0.1:1' }));
    const run = await ok(['run', 'rings-queued.yaml', '--out', join(dir, 'queued-run'), '--workers', '0'], project);
    expect(run.stderr).toContain('[run] executor: is for sweep and label (their trials and shards go to the queue); run trains here, in this process');
  });

  it('evaluates a model outside any run folder with --plugin, and says so when it is missing', async () => {
    const lone = join(project, 'models', 'lone');
    await cp(join(runFolder, 'student'), lone, { recursive: true });
    const missing = await runCli(['eval', 'models/lone', '--data', 'rings'], { cwd: project });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--data: unknown dataset "rings"; available: csv, fashion-mnist, idx, image-folder, mnist-embedded, numpy. A third-party dataset? Name its module with --plugin');
    expect(await evalJson(['models/lone', '--data', 'rings', '--plugin', './rings.mjs'], project)).toMatchObject({ dataset: 'rings/test', count: 300 });
  });
});

describe('the plugin on a Redis queue', () => {
  let redis: TestRedis | undefined;
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    if (worker !== undefined) await stopWorker(worker);
    worker = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a worker started without it: the sweep says why once, with the count, and exits 1; started with --plugin, the same command runs them', { timeout: 240_000 }, async () => {
    redis = await startRedis();
    const folder = join(project, 'runs', 'queued');
    const sweepArgs = ['sweep', join(project, 'rings.yaml'), '--executor', redis.url, '--out', folder];
    worker = await startWorker(redis.url, { cwd: project });
    const refused = await runCli(sweepArgs, { cwd: elsewhere });
    expect(refused.code, refused.stderr).toBe(1);
    const why = `worker ${worker.name} was not started with plugin "./rings.mjs", which the run's config names (plugins): start it with --plugin ./rings.mjs (a file: a relative path resolves from the worker's folder, ${project})`;
    // Every trial's reason, said once with the number of trials it ended (the table only counts failures).
    expect(refused.stdout).toContain(`2 trial(s) failed (each one's error is in trials.jsonl; running the command again retries them):\n  2 × E_CONFIG: ${why}\n`);
    expect(refused.stderr).toContain(`distillery: no trial of the sweep gave a result (2 failed; why, above and in ${join(folder, 'trials.jsonl')})`);
    // The worker's own log says it too — once, not silently and not per job.
    expect(worker.stderr.match(/^refused job .*$/gm)).toEqual([expect.stringContaining(why)]);
    await stopWorker(worker);

    worker = await startWorker(redis.url, { cwd: project, args: ['--plugin', './rings.mjs'] });
    await ok(sweepArgs, elsewhere);
    const trials = await trialLines(folder);
    const latest = new Map(trials.map((t) => [JSON.stringify(t.params), t.status]));
    expect([...latest]).toEqual(expect.arrayContaining([['{"temperature":2}', 'ok'], ['{"temperature":4}', 'ok']]));
    expect(worker.stderr.match(new RegExp(trialLine('\\S+', 'done'), 'gm'))).toHaveLength(2);
  });
});
