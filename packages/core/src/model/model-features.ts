import type { FeatureInfo, Model } from '../contracts/model.js';
import { DistilleryError } from '../errors.js';

/**
 * The named layers of a model with their output shapes (one example, no batch axis), in forward
 * order: what a feature term can connect. Throws for a model without intermediate outputs.
 */
export function listFeatures(model: Model): readonly FeatureInfo[] {
  if (model.features === undefined || model.forwardWithFeatures === undefined) {
    throw new DistilleryError(
      'E_CONFIG',
      `model ${model.name} does not expose intermediate outputs: feature terms need a TensorFlow.js layers model (cnn, mlp, a saved model) or an ONNX teacher`,
    );
  }
  return model.features();
}

/** The named layer of a model, or an error that names the model and lists the layers it has. */
export function featureOf(model: Model, layer: string, role = 'model'): FeatureInfo {
  const features = listFeatures(model);
  const found = features.find((f) => f.name === layer);
  if (found !== undefined) return found;
  throw new DistilleryError(
    'E_CONFIG',
    `${role} ${model.name} has no layer ${JSON.stringify(layer)}; its layers are: ${features.map(describeFeature).join(', ')}`,
    { details: { model: model.name, layer, available: features.map((f) => f.name) } },
  );
}

/** Throws (as `featureOf`) unless every name is a layer of the model. */
export function checkFeatureNames(model: Model, layers: readonly string[]): void {
  for (const layer of layers) featureOf(model, layer);
}

/** `conv2d_2 [14, 14, 16]` */
export function describeFeature(feature: FeatureInfo): string {
  return `${feature.name} [${feature.shape.join(', ')}]`;
}
