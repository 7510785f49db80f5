import { listFeatures, loadModel, setupBackend } from '@distillery/core';
import { decodeOnnxModel, toOnnx } from '@distillery/onnx';
import { createCnn } from '@distillery/students';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-features-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STUDENT = { filters: [4, 8], dense: [16] };

/** A CNN teacher → small CNN student run on 600 digits with attention transfer and a hint through an adapter. */
function config(features: string): string {
  return `name: features
seed: 1
workers: 0
data:
  dataset: mnist-embedded
  options: { limit: { train: 600, test: 200 } }
  labelledCount: 60
teacher:
  plugin: cnn
  options: { filters: [8, 16], dense: [32] }
  train: { epochs: 1, batchSize: 64, learningRate: 0.003 }
student:
  plugin: cnn
  options: ${JSON.stringify(STUDENT)}
  train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 0.003 }
distillation:
  loss: kd
  lambda: 1
  temperature: 4
  features:
${features}
sweep:
  grid: { lambda: [0.5, 1] }
`;
}

const FEATURES = `    - { student: conv2d_2, teacher: conv2d_2, loss: at, weight: 1000 }
    - { student: dense_1, teacher: dense_1, loss: hint, adapter: dense, weight: 0.1 }`;

/** Initializer names and shapes of a model's ONNX export: what an exported student carries. */
async function onnxWeights(bytes: Uint8Array): Promise<string[]> {
  return decodeOnnxModel(bytes).graph.initializers.map((t) => `${t.name} [${t.dims.join(', ')}]`).sort();
}

describe('feature terms in a config (distillation.features)', () => {
  it('distils with at + hint through the CLI; the saved and exported student carries no adapter', async () => {
    const file = join(dir, 'features.yaml');
    await writeFile(file, config(FEATURES));
    const out = join(dir, 'run');
    const result = await runCli(['run', file, '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as {
      report: { settings: { features?: string[]; onlineTeacher?: boolean }; studentKd: { accuracy: number } };
      histories: { studentKd: { losses: Record<string, number> }[] };
    };
    expect(run.report.settings).toMatchObject({ features: ['at(conv2d_2→conv2d_2)', 'hint(dense_1→dense_1)'], onlineTeacher: true });
    const [first, last] = [run.histories.studentKd[0]!.losses, run.histories.studentKd.at(-1)!.losses];
    expect(Object.keys(first)).toEqual(['ce', 'kd', 'at(conv2d_2→conv2d_2)', 'hint(dense_1→dense_1)']);
    expect(last['at(conv2d_2→conv2d_2)']!).toBeLessThan(first['at(conv2d_2→conv2d_2)']!);
    expect(run.report.studentKd.accuracy).toBeGreaterThan(0.3);

    // The saved student is the student's architecture, layer for layer and weight for weight.
    const fresh = createCnn({ inputShape: [28, 28, 1], numClasses: 10, ...STUDENT, seed: 1 });
    const saved = await loadModel(join(out, 'student'));
    expect(listFeatures(saved)).toEqual(listFeatures(fresh));
    expect(saved.countParams()).toBe(fresh.countParams());
    const manifest = JSON.parse(await readFile(join(out, 'student', 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] };
    expect(manifest.weightsManifest.flatMap((g) => g.weights).length).toBe(fresh.trainableVariables().length);

    // And so is its ONNX export.
    const onnxFile = join(dir, 'student.onnx');
    const exported = await runCli(['export', join(out, 'student'), '--onnx', onnxFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(await onnxWeights(new Uint8Array(await readFile(onnxFile)))).toEqual(await onnxWeights(await toOnnx(fresh)));
    fresh.dispose();
    saved.dispose();
  }, 300_000);

  it("a saved teacher (--teacher, the first run's folder) connects its layers too: run and a 2-worker sweep train the same terms", async () => {
    // It said "model teacher-cnn does not expose intermediate outputs": the `saved` teacher did not pass its layers on.
    const file = join(dir, 'features.yaml');
    await writeFile(file, config(FEATURES));
    const first = join(dir, 'saved-first');
    expect((await runCli(['run', file, '--out', first, '--quiet'])).code).toBe(0);
    const teacher = join(first, 'teacher');
    const again = join(dir, 'saved-again');
    const rerun = await runCli(['run', file, '--teacher', teacher, '--out', again, '--quiet']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const runJson = async (folder: string) => JSON.parse(await readFile(join(folder, 'run.json'), 'utf8')) as { histories: { studentKd: { losses: Record<string, number> }[] } };
    // The same teacher weights, student seed and split: the same feature losses, epoch by epoch.
    const losses = async (folder: string) => (await runJson(folder)).histories.studentKd.map((e) => e.losses['at(conv2d_2→conv2d_2)']);
    expect(await losses(again)).toEqual(await losses(first));
    const swept = join(dir, 'saved-sweep');
    const sweep = await runCli(['sweep', file, '--teacher', teacher, '--out', swept, '--workers', '2', '--quiet']);
    expect(sweep.code, sweep.stderr).toBe(0);
    const trials = (await readFile(join(swept, 'trials.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { status: string; epochs: { losses: Record<string, number> }[] });
    expect(trials.map((t) => t.status)).toEqual(['ok', 'ok']);
    for (const t of trials) expect(Object.keys(t.epochs[0]!.losses)).toEqual(['ce', 'kd', 'at(conv2d_2→conv2d_2)', 'hint(dense_1→dense_1)']);
  }, 300_000);

  it('a layer the student lacks fails before the teacher trains, naming the field and the layers it has', async () => {
    const file = join(dir, 'bad-layer.yaml');
    await writeFile(file, config('    - { student: conv2d_9, teacher: conv2d_2, loss: at }'));
    const started = Date.now();
    const result = await runCli(['run', file, '--out', join(dir, 'bad'), '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /bad-layer\.yaml: distillation\.features: feature term at\(conv2d_9→conv2d_2\): student cnn-4-8 has no layer "conv2d_9"; its layers are: conv2d_1 \[28, 28, 4\],/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('refuses a logit loss as a feature loss in one sentence', async () => {
    const logit = join(dir, 'logit.yaml');
    await writeFile(logit, config('    - { student: conv2d_2, teacher: conv2d_2, loss: kd }'));
    const a = await runCli(['run', logit, '--out', join(dir, 'bad2'), '--quiet']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/logit\.yaml: distillation\.features\[0\]: features\.loss: kd is not a feature loss/);
  });

  it('sweeps a feature weight (a grid key) on 2 workers: the teacher runs online in each trial, the trials differ by weight, summary and best are written', async () => {
    const file = join(dir, 'sweep.yaml');
    const grid = `  grid: { distillation.features.0.weight: [10, 1000] }\n  seeds: [1]\n`;
    await writeFile(file, config('    - { student: conv2d_2, teacher: conv2d_2, loss: at, weight: 1 }').replace('workers: 0', 'workers: 2').replace(/sweep:\n.*\n$/, `sweep:\n${grid}`));
    const out = join(dir, 'sweep');
    const result = await runCli(['sweep', file, '--out', out, '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 trial(s) run, 0 already done, 0 failed');
    const trials = (await readFile(join(out, 'trials.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; params: Record<string, number>; threadId: number; epochs: { losses: Record<string, number> }[] });
    expect(trials.map((t) => t.status)).toEqual(['ok', 'ok']);
    const at = (weight: number) => trials.find((t) => t.params['distillation.features.0.weight'] === weight)!.epochs.map((e) => e.losses['at(conv2d_2→conv2d_2)']!);
    // The same student, split and teacher: only the weight differs, and the heavier term pulls the attention maps closer.
    expect(at(1000).at(-1)!).toBeLessThan(at(10).at(-1)!);
    const results = await readFile(join(out, 'results.md'), 'utf8');
    expect(results).toContain('distillation.features.0.weight');
    expect(results).toMatch(/best/i);
    expect(result.stdout).toMatch(/best/i);
    for (const f of ['report.md', 'sweep.json', 'teacher']) expect(existsSync(join(out, f))).toBe(true);
  }, 300_000);
});
