import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFeatureScaling, type FeatureScaling } from '../data/feature-scaling.js';
import { DistilleryError } from '../errors.js';
import { parseInputDescription, type ModelInputDescription } from './input-description.js';
import { readModelJson } from './read-model-json.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
/** A readable copy of the model's input scaling (model.json's metadata holds the one that is applied). */
export const PREPROCESSING_FILE = 'preprocessing.json';

export interface SavedModelMetadata {
  readonly name: string;
  /** Input scaling fitted on the training split; applied to raw inputs by the loaded model. */
  readonly preprocessing?: FeatureScaling;
  /** What the model expects of its input, from its training data. */
  readonly input?: ModelInputDescription;
}

/**
 * Writes model.json + weights.bin exactly as tfjs's own browser/http savers lay them out,
 * so `tf.loadLayersModel('…/model.json')` loads the directory in a browser unchanged.
 */
export async function saveLayersModel(
  model: tf.LayersModel,
  directory: string,
  metadata: SavedModelMetadata,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { distillery: metadata },
      };
      await writeFile(join(directory, WEIGHTS_FILE), new Uint8Array(weightData));
      if (metadata.preprocessing !== undefined) await writeFile(join(directory, PREPROCESSING_FILE), `${JSON.stringify(metadata.preprocessing, null, 2)}\n`);
      else await rm(join(directory, PREPROCESSING_FILE), { force: true });
      await writeFile(join(directory, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

export interface LoadedLayersModel {
  readonly model: tf.LayersModel;
  readonly name: string;
  readonly preprocessing?: FeatureScaling;
  readonly input?: ModelInputDescription;
}

/** Reads a directory written by saveLayersModel (or any tfjs layers-format model). */
export async function loadLayersModel(directory: string): Promise<LoadedLayersModel> {
  const dirStat = await stat(directory).catch(() => undefined);
  if (dirStat === undefined || !dirStat.isDirectory()) {
    throw new DistilleryError('E_MODEL_IO', `model directory ${directory} does not exist`);
  }
  const jsonPath = join(directory, MODEL_JSON);
  const json = (await readModelJson(jsonPath)) as ModelJson | undefined;
  if (json === undefined) {
    throw new DistilleryError('E_MODEL_IO', `${jsonPath} is missing: a model directory holds model.json and its weight files`);
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
    throw new DistilleryError('E_MODEL_IO', `${jsonPath} is not a TensorFlow.js layers model (no modelTopology or weightsManifest)`);
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const file = join(directory, path);
      const data = await readFile(file).catch(() => undefined);
      if (data === undefined) throw new DistilleryError('E_MODEL_IO', `weight file ${file} named in ${jsonPath} is missing`);
      buffers.push(data);
    }
  }
  const weightData = concatBytes(buffers);
  const expectedBytes = expectedWeightBytes(weightSpecs);
  if (expectedBytes !== undefined && weightData.byteLength !== expectedBytes) {
    throw new DistilleryError(
      'E_MODEL_IO',
      `weight files of ${directory} hold ${weightData.byteLength} bytes, model.json describes ${expectedBytes}`,
    );
  }
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }),
  );
  const name = json.userDefinedMetadata?.distillery?.name ?? model.name;
  const scaling = json.userDefinedMetadata?.distillery?.preprocessing;
  const input = json.userDefinedMetadata?.distillery?.input;
  const where = `${jsonPath} (userDefinedMetadata.distillery)`;
  try {
    return {
      model,
      name,
      ...(scaling === undefined ? {} : { preprocessing: parseFeatureScaling(scaling, where) }),
      ...(input === undefined ? {} : { input: parseInputDescription(input, where) }),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

interface ModelJson {
  modelTopology?: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: { distillery?: Partial<SavedModelMetadata> };
}

/** Bytes the specs describe, or undefined when they are quantised or of a kind we cannot size. */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bytes = spec.quantization === undefined ? BYTES_PER_ELEMENT[spec.dtype] : undefined;
    if (bytes === undefined) return undefined;
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

const BYTES_PER_ELEMENT: Partial<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

function concatBytes(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}
