import { main } from '@distillery/cli';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { TINY_CONFIG } from './cli-helpers.js';

const JSD_PLUGIN = fileURLToPath(new URL('../examples/plugin-example/src/index.ts', import.meta.url));

let dir = '';
let tiny: Record<string, unknown>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-bad-config-'));
  tiny = parse(await readFile(TINY_CONFIG, 'utf8')) as Record<string, unknown>;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The tiny config with one change at a path (undefined deletes the key). */
function mutate(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(tiny);
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]!];
  else node[keys[keys.length - 1]!] = value;
  return copy;
}

async function runWith(content: string | Record<string, unknown>, command = 'run'): Promise<{ code: number; stderr: string; file: string }> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, typeof content === 'string' ? content : stringify(content));
  let stderr = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'distillery', command, file, '--out', join(dir, 'out'), '--quiet']);
    return { code, stderr, file };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

const CASES: Array<{ mistake: string; config: string | Record<string, unknown> | (() => Record<string, unknown>); message: string | RegExp; command?: string }> = [
  { mistake: 'not YAML', config: 'data: [unclosed', message: /not valid YAML or JSON at line 1/ },
  { mistake: 'a list, not a mapping', config: '- 1\n- 2\n', message: 'a mapping of settings (see `distillery init`), got a list' },
  { mistake: 'misspelt top-level key', config: () => ({ ...tiny, teachr: {} }), message: 'config: unknown key "teachr"' },
  { mistake: 'a key missing beside one that is not its typo', config: () => mutate('student.train', { batchSize: 8, learningRate: 0.01 }), message: /student\.train\.epochs: is required \(expected a number\)/ },
  // A typo is named with the key it stands for, and is the one problem (no "epochs: is required" beside it).
  { mistake: 'misspelt nested key', config: () => mutate('student.train', { epoch: 2, batchSize: 8, learningRate: 0.01 }), message: /^distillery: \S+: student\.train: unknown key "epoch" \(did you mean "epochs"\?\)\n$/ },
  { mistake: 'a misspelt top-level key, with the key it stands for', config: () => ({ ...mutate('seed', undefined), sed: 1 }), message: 'config: unknown key "sed" (did you mean "seed"?)' },
  { mistake: 'a misspelt key whose right spelling is also given', config: () => mutate('distillation.temprature', 2), message: /distillation: unknown key "temprature"; it takes loss, options, lambda, temperature, .*\n$/ },
  // No key it looks like: it said only `unknown key "zzz"`, leaving the user to guess the keys (inside a union, those of the branch its kind names).
  { mistake: 'an unknown key like no other', config: () => mutate('student.train', { epochs: 2, zzz: 8 }), message: 'student.train: unknown key "zzz"; it takes epochs, batchSize, learningRate, transferBatchSize, learningRateSchedule' },
  { mistake: 'an unknown pruner option', config: () => mutate('sweep.pruner', { kind: 'asha', minEpochs: 1 }), message: 'sweep.pruner: unknown key "minEpochs"; it takes kind, gracePeriod, reductionFactor', command: 'sweep' },
  { mistake: 'negative hidden width', config: () => mutate('student.options', { hidden: [8, -3] }), message: 'student.options: mlp.hidden[1]: expected a positive integer, got -3' },
  { mistake: 'λ above 1', config: () => mutate('distillation.lambda', 2), message: 'distillation.lambda: expected a number ≤ 1, got 2' },
  { mistake: 'negative temperature', config: () => mutate('distillation.temperature', -1), message: 'distillation.temperature: expected a number > 0, got -1' },
  { mistake: 'seed 0', config: () => mutate('seed', 0), message: 'seed: expected a number ≥ 1, got 0' },
  { mistake: 'epochs as text', config: () => mutate('student.train.epochs', 'ten'), message: 'student.train.epochs: expected a number, got "ten"' },
  { mistake: 'fractional epochs', config: () => mutate('teacher.train.epochs', 2.5), message: 'teacher.train.epochs: expected an integer, got 2.5' },
  { mistake: 'both labelled fraction and count', config: () => mutate('data.labelledFraction', 0.1), message: 'data.labelledFraction: give exactly one of data.labelledFraction and data.labelledCount' },
  { mistake: 'unknown backend', config: () => mutate('backend', 'gpu'), message: 'backend: expected one of "wasm", "cpu", "tensorflow", got "gpu"' },
  { mistake: 'unknown dataset', config: () => mutate('data.dataset', 'mnist-embeded'), message: /data\.dataset: unknown dataset "mnist-embeded" \(did you mean "mnist-embedded"\?\); available: .*mnist-embedded/ },
  { mistake: 'unknown loss', config: () => mutate('distillation.loss', 'kdd'), message: /distillation\.loss: unknown loss "kdd" \(did you mean "kd"\?\); available: at, ce, dist, dkd, hint, kd/ },
  { mistake: 'bad loss option', config: () => ({ ...mutate('distillation.loss', 'dkd'), distillation: { ...(tiny['distillation'] as object), loss: 'dkd', options: { beta: -1 } } }), message: /distillation\.options: dkd\.beta: expected .*got -1/ },
  { mistake: 'unknown student plugin', config: () => mutate('student.plugin', 'transformer'), message: /student\.plugin: unknown student "transformer"; available: cnn, mlp/ },
  { mistake: 'saved teacher without a folder', config: () => mutate('teacher', { plugin: 'saved' }), message: /teacher\.options: saved\.directory: expected a folder path/ },
  { mistake: 'early stopping without validation', config: () => mutate('student.earlyStoppingPatience', 2), message: 'student.earlyStoppingPatience: needs data.validationCount > 0 to stop on' },
  { mistake: 'a grid key that is not an option', config: () => mutate('sweep.grid', { lamda: [1] }), message: /sweep\.grid\.lamda: lamda is not a path into the run spec \(did you mean lambda\?\)/, command: 'sweep' },
  // Issue 12: typos are errors naming the field, never ignored settings or JavaScript TypeErrors.
  { mistake: 'a misspelt grid path', config: () => mutate('sweep.grid', { 'student.optoins.hidden': [[8]] }), message: /sweep\.grid\.student\.optoins\.hidden: student\.optoins\.hidden is not a path into the run spec \(did you mean student\.options\.hidden\?\)/, command: 'sweep' },
  { mistake: 'a grid over the teacher', config: () => mutate('sweep.grid', { 'teacher.options.hidden': [[8]] }), message: /sweep\.grid\.teacher\.options\.hidden: teacher\.options\.hidden cannot vary in a sweep/, command: 'sweep' },
  { mistake: 'a grid value the student refuses', config: () => mutate('sweep.grid', { 'student.options.hidden': [[8], '32'] }), message: /sweep\.grid: the trial \{"student\.options\.hidden":"32"\}: student\.options: mlp\.hidden: expected a list of positive integers/, command: 'sweep' },
  { mistake: 'a misspelt dataset option', config: () => mutate('data.options', { limt: 100 }), message: 'data.options: mnist-embedded.limt: unknown option; mnist-embedded takes limit' },
  { mistake: 'a misspelt student option', config: () => mutate('student.options', { hiden: [8] }), message: /student\.options: mlp\.hiden: unknown option; mlp takes .*hidden/ },
  { mistake: 'hidden widths as text', config: () => mutate('student.options', { hidden: '32' }), message: 'student.options: mlp.hidden: expected a list of positive integers, e.g. [32], got "32"' },
  { mistake: 'a misspelt teacher option', config: () => mutate('teacher.options', { hiden: [8] }), message: /teacher\.options: mlp\.hiden: unknown option; mlp takes .*hidden/ },
  { mistake: 'a misspelt option of a schema-checked third-party loss', config: () => ({ ...mutate('distillation.loss', 'jsd'), plugins: [JSD_PLUGIN], distillation: { ...(tiny['distillation'] as object), loss: 'jsd', options: { temprature: 2 } } }), message: 'distillation.options: loss plugin "jsd": option "temprature" is unknown (did you mean "temperature"?)' },
  { mistake: 'an empty grid list', config: () => mutate('sweep.grid', { lambda: [] }), message: 'sweep.grid.lambda: expected a list of at least 1 item(s), got an array of length 0', command: 'sweep' },
  // A repeated value collapsed into one trial, and two keys for one path kept the last silently.
  { mistake: 'a grid value listed twice', config: () => mutate('sweep.grid', { lambda: [1, 1] }), message: 'sweep.grid.lambda: 1 is listed twice (each value is one combination of the grid): list it once', command: 'sweep' },
  { mistake: 'a seed listed twice', config: () => mutate('sweep.seeds', [1, 2, 1]), message: 'sweep.seeds: 1 is listed twice (each seed is one more trial of every combination): list it once', command: 'sweep' },
  { mistake: 'two grid keys for one path', config: () => mutate('sweep.grid', { lambda: [0.5], 'distillation.lambda': [1] }), message: 'sweep.grid: distillation.lambda and lambda both set distillation.lambda, and one would silently override the other: keep one', command: 'sweep' },
  { mistake: 'a grid key inside another', config: () => mutate('sweep.grid', { 'student.options': [{ hidden: [4] }], 'student.options.hidden': [[8]] }), message: "sweep.grid: student.options.hidden is inside student.options, and setting both, one would override the other: vary student.options.hidden inside student.options's values, or keep one", command: 'sweep' },
  { mistake: 'a missing plugin module', config: () => ({ ...tiny, plugins: ['./no-such-plugin.ts'] }), message: /plugin module \.\/no-such-plugin\.ts not found/ },
  { mistake: 'sweep without a sweep section', config: () => mutate('sweep', undefined), message: /sweep: the config has no sweep section/, command: 'sweep' },
];

describe('bad configs each give one clear message and exit code 1', () => {
  it.each(CASES)('$mistake', async ({ config, message, command }) => {
    const content = typeof config === 'function' ? config() : config;
    const { code, stderr, file } = await runWith(content, command);
    expect(code).toBe(1);
    expect(stderr.startsWith('distillery: ')).toBe(true);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    if (typeof message === 'string') expect(stderr).toContain(message);
    else expect(stderr).toMatch(message);
    if (typeof config !== 'string' || !config.startsWith('-')) expect(stderr).toContain(file.split('/').pop()!);
  });

  it('names a config file that does not exist', async () => {
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      expect(await main(['node', 'distillery', 'run', join(dir, 'nope.yaml')])).toBe(1);
    } finally {
      err.mockRestore();
    }
    expect(stderr).toBe(`distillery: config file ${join(dir, 'nope.yaml')} cannot be read (ENOENT)\n`);
  });
});
