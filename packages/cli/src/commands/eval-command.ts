import { DistilleryError, evaluateModel, loadModel, setupBackend, type EvaluationMetrics } from '@distillery/core';
import { createPluginRegistry } from '@distillery/runner';
import { assertFiniteMetrics, assertFiniteWeights } from './finite-model-check.js';

export interface EvalFlags {
  readonly data: string;
  readonly dataOptions?: string;
  readonly split?: 'train' | 'test';
  readonly backend?: string;
}

/** `distillery eval <model-dir> --data <dataset>`: accuracy and cross-entropy of a saved model. */
export async function evalCommand(modelDir: string, flags: EvalFlags): Promise<EvaluationMetrics & { model: string; dataset: string }> {
  await setupBackend(flags.backend === undefined ? {} : { backend: flags.backend });
  let options: unknown = {};
  if (flags.dataOptions !== undefined) {
    try {
      options = JSON.parse(flags.dataOptions);
    } catch {
      throw new DistilleryError('E_CONFIG', `--data-options: expected JSON, e.g. '{"limit":{"test":500}}', got ${flags.dataOptions}`);
    }
  }
  const registry = await createPluginRegistry();
  const dataset = await registry.create('dataset', flags.data, options as never).load(flags.split ?? 'test');
  const model = await loadModel(modelDir);
  try {
    assertFiniteWeights(model, modelDir);
    const metrics = await evaluateModel(model, dataset);
    assertFiniteMetrics({ accuracy: metrics.accuracy, 'cross-entropy': metrics.loss }, `${modelDir} on ${dataset.name}`);
    return { model: model.name, dataset: dataset.name, ...metrics };
  } finally {
    model.dispose();
  }
}
