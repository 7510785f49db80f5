import { DistilleryError, evaluateModel, loadModel, setupBackend, type EvaluationMetrics } from '@distillery/core';
import { createPluginRegistry } from '@distillery/runner';
import { assertFiniteMetrics, assertFiniteWeights } from './finite-model-check.js';
import { recordedDataset } from './recorded-dataset.js';

export interface EvalFlags {
  /** Default: the dataset recorded in the run folder the model was saved in. */
  readonly data?: string;
  readonly dataOptions?: string;
  readonly split?: 'train' | 'test';
  readonly backend?: string;
}

/** `distillery eval <model-dir> [--data <dataset>]`: accuracy and cross-entropy of a saved model. */
export async function evalCommand(modelDir: string, flags: EvalFlags): Promise<EvaluationMetrics & { model: string; dataset: string }> {
  await setupBackend(flags.backend === undefined ? {} : { backend: flags.backend });
  // The model first: a folder that holds none is the problem to name, whatever --data says.
  const model = await loadModel(modelDir);
  try {
    const recorded = flags.data === undefined ? await recordedDataset(modelDir) : undefined;
    const data = flags.data ?? recorded?.dataset;
    if (data === undefined) {
      throw new DistilleryError('E_CONFIG', `--data: ${modelDir} is not inside a run folder (no config.resolved.json beside it), so name the dataset, e.g. --data mnist-embedded`);
    }
    let options: unknown = recorded?.options ?? {};
    if (flags.dataOptions !== undefined) {
      try {
        options = JSON.parse(flags.dataOptions);
      } catch {
        throw new DistilleryError('E_CONFIG', `--data-options: expected JSON, e.g. '{"limit":{"test":500}}', got ${flags.dataOptions}`);
      }
    }
    const registry = await createPluginRegistry(recorded === undefined ? {} : { plugins: recorded.plugins, baseDir: process.cwd() });
    const dataset = await registry.create('dataset', data, options as never).load(flags.split ?? 'test');
    assertFiniteWeights(model, modelDir);
    const metrics = await evaluateModel(model, dataset);
    assertFiniteMetrics({ accuracy: metrics.accuracy, 'cross-entropy': metrics.loss }, `${modelDir} on ${dataset.name}`);
    return { model: model.name, dataset: dataset.name, ...metrics };
  } finally {
    model.dispose();
  }
}
