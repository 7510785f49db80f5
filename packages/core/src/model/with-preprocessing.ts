import type { Dataset } from '../contracts/dataset.js';
import type { Model } from '../contracts/model.js';
import type { FeatureScaling } from '../data/feature-scaling.js';
import { DistilleryError } from '../errors.js';
import { LayersClassifier } from './layers-classifier.js';

/**
 * The model behind an input scaling: it then takes raw features, trains on them, and saves the
 * scaling in its folder. Only TensorFlow.js layers models (every built-in student) carry one.
 */
export function withPreprocessing(model: Model, scaling: FeatureScaling | undefined): Model {
  if (scaling === undefined) return model;
  if (!(model instanceof LayersClassifier)) {
    throw new DistilleryError('E_CONFIG', `preprocessing (${scaling.kind}) needs a TensorFlow.js layers model, but ${model.name} is not one`);
  }
  return model.withPreprocessing(scaling);
}

/**
 * sklearn's `class_weight='balanced'`: w_c = n / (classes · n_c) over the given examples, so
 * each class weighs the same in total; a class without examples gets 0.
 */
export function balancedClassWeights(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.numClasses).fill(0);
  for (let i = 0; i < dataset.size; i++) counts[dataset.label(i)]! += 1;
  return counts.map((n) => (n === 0 ? 0 : dataset.size / (dataset.numClasses * n)));
}
