import { decodeNpy } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runCli, type CliResult } from './cli-helpers.js';

/** A PyTorch CNN exported with torch.onnx.export (see packages/teachers/test/fixtures). */
export const PYTORCH_TEACHER = fileURLToPath(new URL('../packages/teachers/test/fixtures/pytorch-teacher.onnx', import.meta.url));
export const EXAMPLE_PLUGIN = fileURLToPath(new URL('../examples/plugin-example/src/index.ts', import.meta.url));

export type TeacherKind = 'trained' | 'saved' | 'onnx' | 'ensemble';
export const TEACHER_KINDS: readonly TeacherKind[] = ['trained', 'saved', 'onnx', 'ensemble'];

/** Two small saved MLP teachers (untrained weights are teachers enough to compare threads on). */
export async function saveTeachers(dir: string): Promise<[string, string]> {
  const folders: [string, string] = [join(dir, 'teacher-a'), join(dir, 'teacher-b')];
  for (const [i, folder] of folders.entries()) {
    const model = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [24], seed: 11 + i, name: `saved-teacher-${i}` });
    await model.save(folder);
    model.dispose();
  }
  return folders;
}

/** The config's teacher section for each kind of teacher. */
export function teacherSection(kind: TeacherKind, saved: readonly [string, string]): Record<string, unknown> {
  switch (kind) {
    case 'trained':
      return { plugin: 'mlp', options: { hidden: [16] }, train: { epochs: 1, batchSize: 64 } };
    case 'saved':
      return { plugin: 'saved', options: { directory: saved[0] } };
    case 'onnx':
      return { plugin: 'onnx', options: { file: PYTORCH_TEACHER } };
    case 'ensemble':
      return { plugin: 'ensemble', options: { members: saved.map((directory) => ({ plugin: 'saved', options: { directory } })), combine: 'probabilities' } };
  }
}

/** A seconds-long config: 300 training / 100 test digits, one student epoch, a T grid. */
export function journeyConfig(teacher: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'journey',
    seed: 1,
    data: { dataset: 'mnist-embedded', options: { limit: { train: 300, test: 100 } }, labelledCount: 20 },
    teacher,
    student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 1, batchSize: 16, transferBatchSize: 64, learningRate: 0.003 } },
    distillation: { loss: 'kd', lambda: 1, temperature: 4 },
    sweep: { grid: { temperature: [2, 8] }, seeds: [1] },
    ...extra,
  };
}

export async function writeConfig(dir: string, name: string, config: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify(config));
  return file;
}

/** Runs the real binary and fails with its stderr when it does not exit 0. */
export async function runOk(args: string[]): Promise<CliResult> {
  const result = await runCli(args);
  if (result.code !== 0) throw new Error(`distillery ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/** Every logit of a folder's logit cache, in example order (from the .npy shards its manifest lists). */
export async function cachedLogits(folder: string): Promise<Float32Array> {
  const root = join(folder, 'logit-cache');
  const [entry] = await readdir(root);
  const manifest = JSON.parse(await readFile(join(root, entry!, 'manifest.json'), 'utf8')) as { numExamples: number; numClasses: number; complete: boolean; shards: Array<{ file: string; start: number }> };
  if (!manifest.complete) throw new Error(`${root}: the cache is incomplete`);
  const values = new Float32Array(manifest.numExamples * manifest.numClasses);
  for (const shard of manifest.shards) values.set(decodeNpy(await readFile(join(root, entry!, shard.file)), shard.file).values as Float32Array, shard.start * manifest.numClasses);
  return values;
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

export interface TrialLine {
  readonly id: string;
  readonly params: Record<string, unknown>;
  readonly status: string;
  readonly best?: { testAccuracy: number; validationAccuracy?: number; losses: Record<string, number> };
  readonly last?: { losses: Record<string, number> };
}

export async function trialLines(folder: string): Promise<TrialLine[]> {
  const text = await readFile(join(folder, 'trials.jsonl'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as TrialLine).sort((a, b) => a.id.localeCompare(b.id));
}

export interface JourneyResults {
  readonly run: Array<{ report: { teacher: { accuracy: number }; studentAlone: { accuracy: number }; studentKd: { accuracy: number; loss: number }; settings: { teacherRuntime?: string } }; logits: Float32Array }>;
  readonly label: Array<{ logits: Float32Array; runtime: string }>;
  readonly sweep: Array<{ trials: TrialLine[]; selectedOn: string }>;
}

/** `run`, `label` and `sweep` of one config with 0 and with 2 worker threads, through the real binary. */
export async function runJourney(dir: string, name: string, config: Record<string, unknown>): Promise<JourneyResults> {
  const file = await writeConfig(dir, name, config);
  const results: JourneyResults = { run: [], label: [], sweep: [] };
  for (const workers of ['0', '2']) {
    const out = (command: string) => join(dir, `${name}-${command}-w${workers}`);
    const run = await runOk(['run', file, '--out', out('run'), '--workers', workers, '--json']);
    results.run.push({ report: JSON.parse(run.stdout).report, logits: await cachedLogits(out('run')) });
    await runOk(['label', file, '--out', out('label'), '--workers', workers, '--quiet']);
    const labels = JSON.parse(await readFile(join(out('label'), 'labels.json'), 'utf8')) as { runtime: string };
    results.label.push({ logits: await cachedLogits(out('label')), runtime: labels.runtime });
    const sweep = await runOk(['sweep', file, '--out', out('sweep'), '--workers', workers, '--json']);
    results.sweep.push({ trials: await trialLines(out('sweep')), selectedOn: (JSON.parse(sweep.stdout) as { summary: { selectedOn: string } }).summary.selectedOn });
  }
  return results;
}
