import { DistilleryError, setupBackend, tf } from '@distillery/core';
import { loadTeacher } from '@distillery/teachers';
import { OrtLogitsSession, exportOnnx, isOnnxRuntimeAvailable } from '@distillery/onnx';
import { readFile } from 'node:fs/promises';
import { assertFiniteWeights } from './finite-model-check.js';
import { join, resolve } from 'node:path';
import { statSync } from 'node:fs';

export interface ExportFlags {
  readonly onnx?: string;
  readonly backend?: string;
}

export interface ExportOutcome {
  readonly model: string;
  readonly file: string;
  readonly bytes: number;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** max |logits(tfjs) − logits(onnxruntime)| on a random batch; absent without onnxruntime-node. */
  readonly maxAbsDiff?: number;
}

/**
 * `distillery export <model-dir> --onnx out.onnx`: a saved Distillery model (a distilled
 * student, a teacher) as an ONNX file for onnxruntime on a server, in a browser or on a phone.
 * When onnxruntime-node is installed, the file is checked against the tfjs model on a batch.
 */
export async function exportCommand(modelDir: string, flags: ExportFlags): Promise<ExportOutcome> {
  if (flags.onnx === undefined) throw new DistilleryError('E_CONFIG', '--onnx <file>: say where to write the ONNX file');
  if (statSync(flags.onnx, { throwIfNoEntry: false })?.isDirectory() === true) {
    throw new DistilleryError('E_CONFIG', `--onnx ${flags.onnx}: is a folder; give the file to write, e.g. --onnx ${join(flags.onnx, 'model.onnx')}`);
  }
  await setupBackend(flags.backend === undefined ? {} : { backend: flags.backend });
  const model = await loadTeacher(modelDir); // any saved model: a layers folder, an ONNX teacher's, an ensemble's, or a .onnx file
  try {
    assertFiniteWeights(model, modelDir);
    const file = resolve(flags.onnx);
    const { bytes } = await exportOnnx(model, file);
    const outcome = { model: model.name, file, bytes, inputShape: model.inputShape, numClasses: model.numClasses };
    if (!(await isOnnxRuntimeAvailable())) return outcome;
    // The exported graph against the model it came from, on inputs of the model's scale.
    const n = 16;
    const x = tf.randomUniform([n, ...model.inputShape], 0, 1, 'float32', 1);
    const logits = model.forward(x);
    const expected = (await logits.data()) as Float32Array;
    const session = await OrtLogitsSession.create(new Uint8Array(await readFile(file)), model, file);
    const actual = await session.run((await x.data()) as Float32Array, n);
    await session.release();
    tf.dispose([x, logits]);
    // NaN is no difference to Math.max: count it as one, so a broken graph never checks as equal.
    const maxAbsDiff = actual.reduce((m, v, i) => Math.max(m, Number.isFinite(v - expected[i]!) ? Math.abs(v - expected[i]!) : Infinity), 0);
    if (!Number.isFinite(maxAbsDiff)) {
      throw new DistilleryError('E_MODEL_IO', `${file}: the exported graph's logits are not finite on a test batch (or differ from the model's without bound); the file is not usable`);
    }
    return { ...outcome, maxAbsDiff };
  } finally {
    model.dispose();
  }
}

export function formatExportOutcome(o: ExportOutcome): string {
  const check = o.maxAbsDiff === undefined ? 'not checked on onnxruntime (onnxruntime-node is not installed here: npm install onnxruntime-node, and export again to check it)' : `checked on onnxruntime: max |Δ logits| ${o.maxAbsDiff.toExponential(1)}`;
  return `wrote ${o.file} (${o.bytes.toLocaleString('en-US')} bytes): ${o.model}, input 'input' [batch, ${o.inputShape.join(', ')}] → 'logits' [batch, ${o.numClasses}]; ${check}\n`;
}
