import type { Model } from '../contracts/model.js';
import { LayersClassifier } from './layers-classifier.js';
import { loadLayersModel } from './model-directory.js';

/** Loads a saved Distillery model (TensorFlow.js layers format) as a Model, with the input scaling and description it was saved with. */
export async function loadModel(directory: string): Promise<Model> {
  const { model, name, preprocessing, input } = await loadLayersModel(directory);
  const loaded = new LayersClassifier(name, model, preprocessing);
  if (input !== undefined) loaded.inputDescription = input;
  return loaded;
}
