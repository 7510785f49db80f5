import { DistilleryError, LayersClassifier, unwrapModel, type Model } from '@distillery/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeOnnxModel } from './encode-onnx.js';
import { layersToOnnx } from './layers-to-onnx.js';

/** A model that carries an ONNX form of itself (an ONNX teacher, a saved teacher that loaded one). */
interface WithOnnxForm {
  toOnnx(): Promise<Uint8Array>;
}

const hasOnnxForm = (model: Model): model is Model & WithOnnxForm => typeof (model as Partial<WithOnnxForm>).toOnnx === 'function';

/**
 * The model as ONNX bytes: a Distillery MLP or CNN (a tfjs layers model) exported layer by
 * layer, or an ONNX teacher's own file. Throws E_MODEL_IO naming what cannot be exported.
 */
export async function toOnnx(wrapper: Model): Promise<Uint8Array> {
  const model = unwrapModel(wrapper);
  if (hasOnnxForm(model)) return model.toOnnx();
  if (!(model instanceof LayersClassifier)) {
    throw new DistilleryError('E_MODEL_IO', `model ${model.name} cannot be exported to ONNX: only tfjs layers models (MLP, CNN) and ONNX teachers can`);
  }
  return encodeOnnxModel(await layersToOnnx(model));
}

/** The model's ONNX form, or undefined when it has none (an ensemble, an unsupported layer). */
export async function onnxFormOf(model: Model): Promise<Uint8Array | undefined> {
  try {
    return await toOnnx(model);
  } catch (error) {
    if ((error as { code?: string }).code === 'E_MODEL_IO') return undefined;
    throw error;
  }
}

/** Writes the model as an ONNX file (for onnxruntime on a server, in a browser, on a phone). */
export async function exportOnnx(model: Model, path: string): Promise<{ path: string; bytes: number }> {
  const bytes = await toOnnx(model);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return { path, bytes: bytes.byteLength };
}
