import { tf, LayersClassifier, assertInRange, assertPositiveInteger, assertSeed, checkCallOptions, configError, deriveSeed, type OptionKeys } from '@distillery/core';
import { layerNamer } from './layer-names.js';

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'swish'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpOptions {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Width of each hidden layer, e.g. [1200, 1200]; [] gives a linear classifier. */
  readonly hidden: readonly number[];
  readonly activation?: Activation;
  /** Dropout after each hidden layer, in [0, 1). */
  readonly dropout?: number;
  /** Dropout on the inputs, in [0, 1) (Hinton et al. used 0.2 for their teacher). */
  readonly inputDropout?: number;
  /** Seeds the weight initialisation (≥ 1). */
  readonly seed: number;
  readonly name?: string;
}

/** A multilayer perceptron classifier: [flatten] → (dense → activation → dropout)* → dense logits. */
/** Every option of `createMlp` (the type check keeps it complete). */
export const MLP_OPTION_KEYS: OptionKeys<MlpOptions> = { inputShape: true, numClasses: true, hidden: true, activation: true, dropout: true, inputDropout: true, seed: true, name: true };

export function createMlp(options: MlpOptions): LayersClassifier {
  checkCallOptions('createMlp', options, MLP_OPTION_KEYS, ['inputShape', 'numClasses', 'hidden', 'seed']);
  validateCommon('mlp', options);
  options.hidden.forEach((w, i) => assertPositiveInteger(`mlp.hidden[${i}]`, w));
  const activation = checkActivation('mlp', options.activation ?? 'relu');
  const dropout = options.dropout ?? 0;
  const inputDropout = options.inputDropout ?? 0;
  assertInRange('mlp.dropout', dropout, 0, 0.95);
  assertInRange('mlp.inputDropout', inputDropout, 0, 0.95);
  // The first layer carries the input shape; flatten only when examples are not already vectors.
  const layers: tf.layers.Layer[] = [];
  const named = layerNamer();
  const first = () => (layers.length === 0 ? { inputShape: [...options.inputShape] } : {});
  if (options.inputShape.length > 1) layers.push(tf.layers.flatten({ ...named('flatten'), ...first() }));
  if (inputDropout > 0) layers.push(tf.layers.dropout({ rate: inputDropout, ...named('dropout'), ...first() }));
  options.hidden.forEach((units, i) => {
    layers.push(tf.layers.dense({ units, activation, ...named('dense'), ...initializers(options.seed, i), ...first() }));
    if (dropout > 0) layers.push(tf.layers.dropout({ rate: dropout, ...named('dropout') }));
  });
  layers.push(tf.layers.dense({ units: options.numClasses, ...named('dense'), ...initializers(options.seed, options.hidden.length), ...first() }));
  const name = options.name ?? `mlp-${options.hidden.join('-') || 'linear'}`;
  return new LayersClassifier(name, tf.sequential({ layers, name: name.replace(/[^A-Za-z0-9_]/g, '_') }));
}

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Seeded Glorot-uniform kernels (one derived seed per layer) and zero biases. */
export function initializers(seed: number, layerIndex: number): { kernelInitializer: Initializer; biasInitializer: Initializer } {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, layerIndex) }),
    biasInitializer: tf.initializers.zeros(),
  };
}

export function validateCommon(kind: string, options: { inputShape: readonly number[]; numClasses: number; seed: number }): void {
  if (!Array.isArray(options.inputShape) || options.inputShape.length === 0) {
    throw configError(`${kind}.inputShape`, 'a non-empty list of positive integers', options.inputShape);
  }
  options.inputShape.forEach((d, i) => assertPositiveInteger(`${kind}.inputShape[${i}]`, d));
  if (!Number.isInteger(options.numClasses) || options.numClasses < 2) {
    throw configError(`${kind}.numClasses`, 'an integer ≥ 2', options.numClasses);
  }
  assertSeed(`${kind}.seed`, options.seed);
}

export function checkActivation(kind: string, activation: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw configError(`${kind}.activation`, `one of ${ACTIVATIONS.join(', ')}`, activation);
  }
  return activation as Activation;
}
