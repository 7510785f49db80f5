import { DistilleryError, type PluginKind } from '@distillery/core';
import { createBuiltinRegistry } from '@distillery/runner';
import { access, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The built-in plugin names of a kind, as the starter's comments list them: `a | b | c`. */
type Choices = (kind: PluginKind) => string;

const starter = (file: string, c: Choices): string => `# Distillery config — see \`distillery schema\` for every field, and the README.
# Run it:  distillery run ${file}     Sweep it:  distillery sweep ${file}
name: my-distillation
seed: 1                        # ≥ 1; fixes splits, initialisation, shuffling and dropout
# backend: wasm                # wasm (default) | cpu | tensorflow (needs @tensorflow/tfjs-node)
# workers: 2                   # soft labels and sweep trials in parallel (default: all cores)
# plugins: ['./my-loss.ts']    # third-party plugin modules, loaded in every worker
# executor: redis://127.0.0.1:6379   # sweep trials and label shards on a Redis queue for \`distillery worker\` processes (docs/distributed.md)

data:
  dataset: mnist-embedded      # ${c('dataset')} (docs/data.md)
  options: {}                  # e.g. { limit: { train: 2000, test: 500 } }
  labelledFraction: 0.02       # or labelledCount: 200 — the labels the students see
  validationCount: 0           # held out for model selection / early stopping

teacher:
  plugin: mlp                  # ${c('teacher')} (saved: options.directory)
  options: { hidden: [512, 512] }
  train: { epochs: 10, batchSize: 128, learningRate: 0.001 }   # learningRateSchedule: cosine anneals per epoch

student:
  plugin: mlp                  # ${c('student')}
  options: { hidden: [32] }
  train: { epochs: 10, batchSize: 64, learningRate: 0.001 }
  # earlyStoppingPatience: 3   # needs data.validationCount > 0

distillation:
  loss: kd                     # kd | soft-ce | logit-mse | dkd | ls-kd | dist (or a plugin's)
  options: {}                  # the loss's own options, e.g. dkd: { beta: 8 }
  lambda: 1                    # L = ce(labelled) + λ · loss(transfer), λ in [0, 1]
  temperature: 4
  form: sum                    # sum: ce + λ·kd · convex: (1 − λ)·ce + λ·kd
  # augmentation: { plugin: shift, options: {} }   # ${c('augmentation')} (docs/augmentations.md)
  # features: [{ student: dense_1, teacher: dense_1, loss: hint, adapter: dense }]   # hint | at | rkd (docs/feature-distillation.md)

sweep:                         # used by \`distillery sweep\`
  grid:
    lambda: [0.5, 1]
    temperature: [2, 4, 8]
  seeds: [1, 2, 3]
`;

/** `distillery init [file]`: writes a commented starter config. */
export async function initCommand(file = 'distillery.yaml', force = false): Promise<string> {
  const path = resolve(file);
  if (!force && (await access(path).then(() => true, () => false))) {
    throw new DistilleryError('E_CONFIG', `${file} already exists (use --force to overwrite)`);
  }
  const registry = createBuiltinRegistry();
  await writeFile(path, starter(file, (kind) => registry.names(kind).join(' | ')));
  return path;
}
