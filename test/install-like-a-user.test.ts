/**
 * Installs Distillery as a user would: every package built and packed (`pnpm pack` rewrites
 * `workspace:*` and applies `publishConfig`), the tarballs installed with npm into a new
 * project outside the workspace, then the command, a training run, the API from a plain .mjs
 * file and the published types are used there. Needs the npm registry for the third-party
 * dependencies (tfjs, commander, ...), as a user's install does.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['augmentations', 'cli', 'core', 'datasets', 'losses', 'native', 'onnx', 'runner', 'students', 'teachers'];

// Nothing of the workspace may leak into the user's project: no pnpm/npm variables of this run.
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|NODE_OPTIONS$|VITEST)/i.test(key)));
const inProject = (command: string, args: string[], timeout = 120_000) =>
  exec(command, args, { cwd: project, env: { ...userEnv, FORCE_COLOR: '0' }, timeout, maxBuffer: 64 * 1024 * 1024 });

let work = '';
let project = '';
let tarballs: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'distillery-install-'));
  project = join(work, 'my-project');
  // One build of every package, then the packs without their prepack (which would build again).
  await exec('pnpm', ['build'], { cwd: REPO, timeout: 120_000 });
  await exec('pnpm', ['-r', '--filter', './packages/*', '--config.ignore-scripts=true', 'pack', '--pack-destination', join(work, 'tarballs')], { cwd: REPO, timeout: 60_000 });
  tarballs = (await readdir(join(work, 'tarballs'))).map((file) => join(work, 'tarballs', file));
  await exec('mkdir', ['-p', project]);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'my-project', private: true, type: 'module' }));
  await inProject('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], 240_000);
}, 420_000);

afterAll(async () => {
  if (work !== '') await rm(work, { recursive: true, force: true });
});

describe('installed from the packed tarballs with npm', () => {
  it('packs every package, holding what runs (dist/, types) and no sources or test fixtures', async () => {
    expect(tarballs).toHaveLength(PACKAGES.length);
    for (const tarball of tarballs) {
      const { stdout } = await exec('tar', ['tzf', tarball]);
      const files = stdout.trim().split('\n');
      expect(files.filter((f) => /^package\/(src|test)\//.test(f)), tarball).toEqual([]);
      expect(files, tarball).toContain('package/dist/index.js');
      expect(files, tarball).toContain('package/dist/index.d.ts');
      const { stdout: manifest } = await exec('tar', ['xzf', tarball, '-O', 'package/package.json']);
      expect(manifest, tarball).not.toContain('workspace:');
      expect(manifest, tarball).not.toContain('./src/');
    }
  });

  it('`npx distillery --help` lists the commands', async () => {
    const { stdout } = await inProject('npx', ['--no-install', 'distillery', '--help']);
    expect(stdout).toContain('Usage: distillery');
    for (const command of ['run', 'sweep', 'label', 'eval', 'export', 'init']) expect(stdout).toContain(command);
  });

  it('`npx distillery run` trains a tiny job (worker threads included) and saves the student', async () => {
    await writeFile(
      join(project, 'tiny.yaml'),
      [
        'name: tiny',
        'workers: 1', // soft labels in a worker thread: the built worker entry must load from dist/
        'data: { dataset: mnist-embedded, options: { limit: { train: 300, test: 100 } }, labelledCount: 30 }',
        'teacher: { plugin: mlp, options: { hidden: [16] }, train: { epochs: 1, batchSize: 64 } }',
        'student: { plugin: mlp, options: { hidden: [8] }, train: { epochs: 1, batchSize: 16 } }',
        'distillation: { loss: kd, lambda: 1, temperature: 4 }',
        '',
      ].join('\n'),
    );
    const { stdout } = await inProject('npx', ['--no-install', 'distillery', 'run', 'tiny.yaml', '--out', 'runs/tiny', '--json']);
    const result = JSON.parse(stdout) as { report: { studentKd: { accuracy: number } } };
    expect(result.report.studentKd.accuracy).toBeGreaterThan(0.1);
    // The saved student says what it expects, for whoever loads it without the run folder.
    const saved = JSON.parse(await readFile(join(project, 'runs/tiny/student/model.json'), 'utf8'));
    expect(saved.userDefinedMetadata.distillery.input).toMatchObject({ shape: [28, 28, 1], layout: 'nhwc' });
    // eval finds the run's dataset (and its limit) in the run folder.
    const { stdout: evaluated } = await inProject('npx', ['--no-install', 'distillery', 'eval', 'runs/tiny/student', '--json']);
    expect(JSON.parse(evaluated)).toMatchObject({ dataset: 'mnist-embedded/test[0:100]', accuracy: result.report.studentKd.accuracy });
  });

  it('a plain .mjs file imports distill and runs it', async () => {
    await writeFile(
      join(project, 'api.mjs'),
      `import { setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { distill } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { createTeacherMlp } from '@distillery/teachers';

await setupBackend();
const all = embeddedMnistSplit();
const first = (n) => Array.from({ length: n }, (_, i) => i);
const train = all.train.subset(first(300));
const test = all.test.subset(first(100));
const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
const { report, teacher, studentAlone, studentKd } = await distill({
  train, test,
  teacher: { create: (seed) => createTeacherMlp({ ...shape, seed, hidden: [16] }), train: { epochs: 1, batchSize: 64, learningRate: 1e-3 } },
  student: { create: (seed) => createMlp({ ...shape, seed, hidden: [8] }), train: { epochs: 1, batchSize: 16, learningRate: 1e-3 } },
  labelledCount: 30, lambda: 1, temperature: 4, seed: 1,
});
console.log(JSON.stringify({ accuracy: report.studentKd.accuracy }));
[teacher, studentAlone, studentKd].forEach((m) => m.dispose());
`,
    );
    const { stdout } = await inProject(process.execPath, ['api.mjs']);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!).accuracy).toBeGreaterThan(0.1);
  });

  it("a distillery installed globally runs the project's own, whose core its plugins import; with only @distillery/core in the project it says why, not a crash inside tfjs", async () => {
    const prefix = join(work, 'global');
    await exec('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { env: userEnv, timeout: 240_000 });
    const globalDistillery = join(prefix, 'bin', 'distillery');
    // A dataset plugin as docs/plugins.md writes one: it imports @distillery/core, here the project's.
    const plugin = `import { InMemoryDataset, definePlugin } from '@distillery/core';
const make = (n) => ({ features: Float32Array.from({ length: 2 * n }, (_, i) => ((i * 7919) % 13) / 13), labels: Int32Array.from({ length: n }, (_, i) => i % 2) });
export const plugins = [definePlugin({ kind: 'dataset', name: 'pairs', create: () => ({ name: 'pairs', load: async (split) => new InMemoryDataset({ name: \`pairs/\${split}\`, inputShape: [2], numClasses: 2, ...make(split === 'train' ? 200 : 50) }) }) })];
`;
    const config = [
      'name: pairs',
      "plugins: ['./pairs.mjs']",
      'data: { dataset: pairs, labelledCount: 20 }',
      'teacher: { plugin: mlp, options: { hidden: [8] }, train: { epochs: 1, batchSize: 32 } }',
      'student: { plugin: mlp, options: { hidden: [4] }, train: { epochs: 1, batchSize: 16 } }',
      'distillation: { loss: kd, lambda: 1, temperature: 4 }',
      '',
    ].join('\n');
    await writeFile(join(project, 'pairs.mjs'), plugin);
    await writeFile(join(project, 'pairs.yaml'), config);
    const { stdout } = await exec(globalDistillery, ['run', 'pairs.yaml', '--out', 'runs/pairs', '--json'], { cwd: project, env: { ...userEnv, FORCE_COLOR: '0' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    expect(JSON.parse(stdout).report.settings.dataset).toBe('pairs/train');

    // A project that installed only the core, to write its plugin: two copies would meet.
    const coreOnly = join(work, 'core-only');
    await exec('mkdir', ['-p', coreOnly]);
    await writeFile(join(coreOnly, 'package.json'), JSON.stringify({ name: 'core-only', private: true, type: 'module' }));
    await exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.filter((t) => /distillery-(core|native)-/.test(t))], { cwd: coreOnly, env: userEnv, timeout: 240_000 });
    await writeFile(join(coreOnly, 'pairs.mjs'), plugin);
    await writeFile(join(coreOnly, 'pairs.yaml'), config);
    const failed = await exec(globalDistillery, ['run', 'pairs.yaml', '--out', 'runs/pairs'], { cwd: coreOnly, env: { ...userEnv, FORCE_COLOR: '0' }, timeout: 120_000 }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`plugin module ./pairs.mjs failed to load: a second copy of @distillery/core is being loaded (from ${join(coreOnly, 'node_modules', '@distillery', 'core')})`);
    expect(failed?.stderr).toContain('install @distillery/cli in that project too (`npm install @distillery/cli`), and run its distillery');
    expect(failed?.stderr).not.toMatch(/is not a function|already registered|\n\s+at /);
  });

  it('the published types check a TypeScript file against the installed packages', async () => {
    await writeFile(
      join(project, 'typed.ts'),
      `import { definePlugin, type Model } from '@distillery/core';
import { distill, type DistillOptions } from '@distillery/runner';
import { createMlp } from '@distillery/students';
export const model: Model = createMlp({ inputShape: [4], numClasses: 2, seed: 1, hidden: [3] });
export const run: (options: DistillOptions) => ReturnType<typeof distill> = distill;
export const plugin = definePlugin;
// @ts-expect-error a number is not a model
export const wrong: Model = 3;
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['typed.ts'] }),
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    // tsc prints its errors on stdout and exits non-zero; the expected error above proves it checked.
    const failure = await inProject(process.execPath, [tsc, '-p', 'tsconfig.json']).then(() => undefined, (error: { stdout?: string; message: string }) => error.stdout || error.message);
    expect(failure).toBeUndefined();
  });
});
