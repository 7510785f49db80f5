import { DistilleryError, evaluateModel, resolvePluginModule, setupBackend, type EvaluationMetrics } from '@distillery/core';
import { loadTeacher } from '@distillery/teachers';
import { createPluginRegistry } from '@distillery/runner';
import { assertFiniteMetrics, assertFiniteWeights } from './finite-model-check.js';
import { recordedDataset } from './recorded-dataset.js';

export interface EvalFlags {
  /** Default: the dataset recorded in the run folder the model was saved in. */
  readonly data?: string;
  readonly dataOptions?: string;
  /** Plugin modules to load besides the run folder's (resolved from the current folder). */
  readonly plugin?: readonly string[];
  readonly split?: 'train' | 'test';
  readonly backend?: string;
}

/** `distillery eval <model-dir> [--data <dataset>]`: accuracy and cross-entropy of a saved model. */
export async function evalCommand(modelDir: string, flags: EvalFlags): Promise<EvaluationMetrics & { model: string; dataset: string }> {
  await setupBackend(flags.backend === undefined ? {} : { backend: flags.backend });
  // The model first: a folder that holds none is the problem to name, whatever --data says.
  const model = await loadTeacher(modelDir); // any saved model: a layers folder, an ONNX teacher's, an ensemble's, or a .onnx file
  try {
    // The run folder's record: its dataset when --data names none, its plugins (and where its
    // relative paths are resolved) always — a third-party dataset named by --data is among them.
    const recorded = await recordedDataset(modelDir);
    const data = flags.data ?? recorded?.dataset;
    if (data === undefined && recorded !== undefined) {
      throw new DistilleryError('E_CONFIG', `${recorded.file} names no dataset (data.dataset); pass it with --data`);
    }
    if (data === undefined) {
      throw new DistilleryError('E_CONFIG', `--data: ${modelDir} is not inside a run folder (no config.resolved.json beside it), so name the dataset, e.g. --data mnist-embedded`);
    }
    let options: unknown = flags.data === undefined ? (recorded?.options ?? {}) : {};
    if (flags.dataOptions !== undefined) {
      try {
        options = JSON.parse(flags.dataOptions);
      } catch {
        throw new DistilleryError('E_CONFIG', `--data-options: expected JSON, e.g. '{"limit":{"test":500}}', got ${flags.dataOptions}`);
      }
    }
    // What the run folder records resolves from where the run's config was (its plugins, its
    // dataset's files); what is typed here (--plugin, --data-options) from the current folder.
    const runBaseDir = recorded?.baseDir ?? process.cwd();
    const plugins = [...(recorded?.plugins ?? []), ...(flags.plugin ?? []).map((p) => resolvePluginModule(p, process.cwd()))];
    const registry = await createPluginRegistry({ plugins, baseDir: runBaseDir });
    const dataBaseDir = flags.dataOptions === undefined ? runBaseDir : process.cwd();
    const dataset = await withPluginHint(() => registry.create('dataset', data, options as never, { baseDir: dataBaseDir }), recorded === undefined && flags.plugin === undefined).load(flags.split ?? 'test');
    assertFiniteWeights(model, modelDir);
    const metrics = await evaluateModel(model, dataset);
    assertFiniteMetrics({ accuracy: metrics.accuracy, 'cross-entropy': metrics.loss }, `${modelDir} on ${dataset.name}`);
    return { model: model.name, dataset: dataset.name, ...metrics };
  } finally {
    model.dispose();
  }
}

/**
 * The registry's "unknown dataset" error, with the one missing piece added when no run folder says
 * where a third-party dataset comes from and no --plugin was given (and it is no misspelling).
 */
function withPluginHint<T>(create: () => T, hint: boolean): T {
  try {
    return create();
  } catch (error) {
    const details = (error as DistilleryError).details;
    if (!hint || (error as DistilleryError).code !== 'E_PLUGIN_NOT_FOUND' || details?.['kind'] !== 'dataset' || details['closest'] !== undefined) throw error;
    throw new DistilleryError('E_PLUGIN_NOT_FOUND', `--data: ${(error as Error).message}. A third-party dataset? Name its module with --plugin, e.g. --plugin ./my-data.mjs`, { details });
  }
}
