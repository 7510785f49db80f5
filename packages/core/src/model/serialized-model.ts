import * as tf from '@tensorflow/tfjs';
import type { Model } from '../contracts/model.js';
import { DistilleryError } from '../errors.js';
import { fingerprint } from '../data/fingerprint.js';
import type { FeatureScaling } from '../data/feature-scaling.js';
import { canonicalArchitecture } from './canonical-architecture.js';
import { LayersClassifier } from './layers-classifier.js';

/**
 * A model as plain data: what crosses to a worker thread. The weights sit in a
 * SharedArrayBuffer, so every worker reads the same memory and nothing is copied per task.
 */
export interface SerializedModel {
  readonly format: 'layers';
  readonly name: string;
  /** JSON of the tfjs layers topology. */
  readonly topology: string;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weights: SharedArrayBuffer;
  /** sha256 of topology and weights (names aside): a changed teacher is a different teacher. */
  readonly fingerprint: string;
  /** The model's input scaling, when it has one. */
  readonly preprocessing?: FeatureScaling;
}

/** The innermost model of a wrapper (see `Model.unwrap`). */
export function unwrapModel(model: Model): Model {
  let current = model;
  for (let inner = current.unwrap?.(); inner !== undefined && inner !== current; inner = current.unwrap?.()) current = inner;
  return current;
}

export async function serializeModel(wrapper: Model): Promise<SerializedModel> {
  const model = unwrapModel(wrapper);
  if (!(model instanceof LayersClassifier)) {
    throw new DistilleryError('E_MODEL_IO', `model ${model.name} cannot be serialised: only tfjs layers models can cross threads for now`);
  }
  let captured: tf.io.ModelArtifacts | undefined;
  await model.layersModel.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const artifacts = captured!;
  const bytes = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const weights = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(weights).set(bytes);
  const topology = JSON.stringify(artifacts.modelTopology);
  return {
    format: 'layers',
    name: wrapper.name,
    topology,
    weightSpecs: artifacts.weightSpecs ?? [],
    weights,
    // The scaling changes what the model computes: it is part of the teacher's identity.
    fingerprint: fingerprint(
      canonicalArchitecture(artifacts.modelTopology, artifacts.weightSpecs ?? []) + (model.preprocessing === undefined ? '' : JSON.stringify(model.preprocessing)),
      bytes,
    ),
    ...(model.preprocessing === undefined ? {} : { preprocessing: model.preprocessing }),
  };
}

export async function deserializeModel(serialized: SerializedModel): Promise<LayersClassifier> {
  // tfjs copies weight data into its tensors, so a private copy of the shared bytes is enough.
  const weightData = new Uint8Array(serialized.weights).slice().buffer;
  const layersModel = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: JSON.parse(serialized.topology) as object, weightSpecs: serialized.weightSpecs, weightData }),
  );
  return new LayersClassifier(serialized.name, layersModel, serialized.preprocessing);
}

/** A stable hash of a model's architecture and weights (keys the logit cache). */
export async function modelFingerprint(model: Model): Promise<string> {
  if (model.fingerprint !== undefined) return model.fingerprint();
  return (await serializeModel(model)).fingerprint;
}
