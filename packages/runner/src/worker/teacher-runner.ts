import { DistilleryError, deserializeModel, shapeMismatch, tf, type Model, type PluginRegistry, type SharedDataset } from '@distillery/core';
import { OnnxTeacher, OrtLogitsSession } from '@distillery/onnx';
import type { TeacherPayload } from '../protocol.js';

/** A teacher loaded in a worker: rows of the dataset in, raw logits out, one batch per call. */
export interface TeacherRunner {
  readonly runtime: 'ort' | 'tfjs';
  /** Logits for the first `n` examples of `x` (a view of the shared dataset). */
  run(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Loads the teacher of a task on its runtime: ORT for an ONNX payload that asks for it, else TensorFlow.js. */
export async function createTeacherRunner(payload: TeacherPayload, dataset: SharedDataset, registry: PluginRegistry): Promise<TeacherRunner> {
  const data = { inputShape: dataset.inputShape, numClasses: dataset.numClasses, name: dataset.name };
  if (payload.format === 'onnx' && payload.runtime === 'ort') {
    const session = await OrtLogitsSession.create(new Uint8Array(payload.model), data, `ONNX teacher ${payload.name}`, payload.layout);
    return { runtime: 'ort', run: (x, n) => session.run(x, n), dispose: () => session.release() };
  }
  const model = await loadTeacherModel(payload, dataset, registry);
  return {
    runtime: 'tfjs',
    run: async (x, n) => {
      // A private copy: the dataset's rows sit in shared memory.
      const logits = tf.tidy(() => model.forward(tf.tensor(x.slice(0, n * rowLength(dataset)), [n, ...dataset.inputShape])));
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      return values;
    },
    dispose: async () => model.dispose(),
  };
}

/**
 * A teacher payload as a TensorFlow.js model in this thread: the layers model from its weights,
 * an ONNX graph on tfjs ops (whatever runtime the payload names: a model that must give its
 * intermediate layers, an online teacher, runs on tfjs), or the plugin's model made again here.
 * Checked against the data it will see; the caller disposes it.
 */
export async function loadTeacherModel(
  payload: TeacherPayload,
  data: { readonly inputShape: readonly number[]; readonly numClasses: number; readonly name: string },
  registry: PluginRegistry,
): Promise<Model> {
  const model: Model =
    payload.format === 'onnx'
      ? new OnnxTeacher({ bytes: new Uint8Array(payload.model).slice(), inputShape: data.inputShape, numClasses: data.numClasses, layout: payload.layout, name: payload.name })
      : payload.format === 'plugin'
        ? await fromPlugin(payload, registry)
        : await deserializeModel(payload);
  const mismatch = shapeMismatch(model, data);
  if (mismatch !== undefined) {
    model.dispose();
    throw new DistilleryError('E_SHAPE', `model ${model.name} ${mismatch}`);
  }
  return model;
}

const rowLength = (dataset: SharedDataset) => dataset.inputShape.reduce((a, b) => a * b, 1);

/** A teacher made again from its plugin and options, by this worker's registry (the same plugins as the main thread's). */
async function fromPlugin(payload: Extract<TeacherPayload, { format: 'plugin' }>, registry: PluginRegistry): Promise<Model> {
  const model = registry.create('teacher', payload.plugin, payload.options as never, payload.seed === undefined ? {} : { seed: payload.seed });
  try {
    await model.ready?.();
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
