import { PluginRegistry, loadPluginModules, setupBackend, type Dataset, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { RunnerPool, createPluginRegistry, generateSoftLabels, sweep, type TrialSpecInput } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Plugin names resolve from this folder: its node_modules holds distillery-plugin-example.
const here = dirname(fileURLToPath(import.meta.url));
let dir = '';
let train: Dataset;
let test: Dataset;
let teacherLogits: TeacherLogits;

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-plugins-'));
  const split = embeddedMnistSplit();
  train = split.train.subset(Array.from({ length: 500 }, (_, i) => i), 'mnist-500');
  test = split.test.subset(Array.from({ length: 200 }, (_, i) => i), 'mnist-200');
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  teacherLogits = (await generateSoftLabels({ teacher, dataset: train })).logits;
  teacher.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = {
  data: { labelledCount: 30 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { loss: 'jsd', augmentation: { plugin: 'brightness', options: { maxDelta: 0.1 } }, lambda: 1, temperature: 4 },
} satisfies TrialSpecInput;

describe('a third-party plugin package', () => {
  it('works in a parallel sweep (2 workers) exactly as in a single-thread run', async () => {
    const modules = { plugins: ['distillery-plugin-example'], baseDir: here };
    const pool = new RunnerPool({ workers: 2, ...modules });
    try {
      const common = { base: spec, grid: { temperature: [2, 4] }, seeds: [1], train, test, teacher: { logits: teacherLogits } } as const;
      const parallel = await sweep({ ...common, directory: join(dir, 'parallel'), pool });
      const serial = await sweep({ ...common, directory: join(dir, 'serial'), workers: 0, ...modules });
      expect(parallel.failed).toBe(0);
      expect(parallel.records.map((r) => r.status)).toEqual(['ok', 'ok']);
      const epochs = (r: (typeof serial.records)[number]) => (r.status === 'ok' ? r.epochs : undefined);
      expect(parallel.records.map(epochs)).toEqual(serial.records.map(epochs));
      // The jsd term is what the trainer reported: the plugin's loss really ran.
      const first = parallel.records[0]!;
      expect(first.status === 'ok' && Object.keys(first.last.losses)).toEqual(['ce', 'jsd']);
    } finally {
      await pool.destroy();
    }
  });

  it('validates options with its zod schema, naming the plugin and the option', async () => {
    const registry = await createPluginRegistry({ plugins: ['distillery-plugin-example'], baseDir: here });
    expect(registry.create('loss', 'jsd', { temperature: 2 }).name).toBe('jsd');
    expect(() => registry.create('loss', 'jsd', { temperature: -1 })).toThrow(/^loss plugin "jsd": option temperature: .*>0/);
    expect(() => registry.create('augmentation', 'brightness', { maxDelta: 'lots' } as never)).toThrow(
      /^augmentation plugin "brightness": option maxDelta: .*expected number/,
    );
  });

  it('is refused in a worker with a clear error when it cannot load there', async () => {
    const pool = new RunnerPool({ workers: 1, plugins: ['distillery-plugin-missing'], baseDir: here });
    try {
      await expect(pool.probe()).rejects.toMatchObject({
        code: 'E_PLUGIN_NOT_FOUND',
        message: expect.stringContaining('plugin package distillery-plugin-missing is not installed'),
      });
    } finally {
      await pool.destroy();
    }
  });
});

describe('loading plugin modules', () => {
  it('loads a local file by path and registers its plugins under that source', async () => {
    const registry = new PluginRegistry();
    const loaded = await loadPluginModules(registry, ['./fixtures/plugins/local-loss.ts'], here);
    expect(loaded[0]!.plugins).toEqual([{ kind: 'loss', name: 'half-mse' }]);
    expect(registry.create('loss', 'half-mse' as string).requires).toEqual(['teacherLogits']);
  });

  it('rejects a second plugin of the same name, naming both sources', async () => {
    const registry = await createPluginRegistry({ plugins: ['distillery-plugin-example'], baseDir: here });
    await expect(loadPluginModules(registry, ['distillery-plugin-example'], here)).rejects.toThrow(
      'two loss plugins are named "jsd": one from distillery-plugin-example, one from distillery-plugin-example',
    );
    const withBuiltins = await createPluginRegistry();
    const kdTwin = join(dir, 'kd-twin.mjs');
    await (await import('node:fs/promises')).writeFile(
      kdTwin,
      `export default { apiVersion: 1, kind: 'loss', name: 'kd', create() {} };\n`,
    );
    await expect(loadPluginModules(withBuiltins, [kdTwin], here)).rejects.toThrow(
      `two loss plugins are named "kd": one from @distillery/losses, one from ${kdTwin}`,
    );
  });

  it('names the module or package that cannot be found, or that exports nothing', async () => {
    const registry = new PluginRegistry();
    await expect(loadPluginModules(registry, ['./fixtures/plugins/missing.ts'], here)).rejects.toThrow(
      `plugin module ./fixtures/plugins/missing.ts not found (looked for ${join(here, 'fixtures/plugins/missing.ts')})`,
    );
    await expect(loadPluginModules(registry, ['distillery-plugin-nope'], here)).rejects.toThrow(
      /plugin package distillery-plugin-nope is not installed .*pnpm add distillery-plugin-nope/,
    );
    await expect(loadPluginModules(registry, ['./fixtures/plugins/nothing-here.ts'], here)).rejects.toThrow(
      /plugin module .\/fixtures\/plugins\/nothing-here.ts exports no Distillery plugins/,
    );
  });

  it('rejects a plugin built for another plugin API version, with both versions', async () => {
    await expect(loadPluginModules(new PluginRegistry(), ['./fixtures/plugins/future-api.ts'], here)).rejects.toThrow(
      'loss plugin "from-the-future" from ./fixtures/plugins/future-api.ts was built for plugin API 99; this Distillery has API 1',
    );
  });

  it('fails a run whose plugin throws in create, with the plugin named', async () => {
    const registry = new PluginRegistry();
    await loadPluginModules(registry, ['./fixtures/plugins/throws-on-create.ts'], here);
    expect(() => registry.create('augmentation', 'broken-augmentation' as string)).toThrow(
      'augmentation plugin "broken-augmentation" failed to create: needs a GPU it will never get',
    );
    const result = await sweep({
      directory: join(dir, 'broken'),
      base: { ...spec, distillation: { ...spec.distillation, loss: 'kd', augmentation: { plugin: 'broken-augmentation', options: {} } } },
      grid: { lambda: [1] },
      seeds: [1],
      train,
      test,
      teacher: { logits: teacherLogits },
      workers: 0,
      plugins: ['./fixtures/plugins/throws-on-create.ts'],
      baseDir: here,
    });
    const record = result.records[0]!;
    expect(record.status === 'failed' && record.error.message).toBe(
      'augmentation plugin "broken-augmentation" failed to create: needs a GPU it will never get',
    );
  });
});
