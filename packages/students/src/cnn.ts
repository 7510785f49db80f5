import { tf, DistilleryError, LayersClassifier, assertInRange, assertPositiveInteger, checkCallOptions, configError, type OptionKeys } from '@distillery/core';
import { checkActivation, initializers, validateCommon, type Activation } from './mlp.js';
import { layerNamer } from './layer-names.js';

export interface CnnOptions {
  /** [height, width, channels] (channels last). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Filters of each conv block, e.g. [16, 32]; each block is conv → activation → 2×2 max-pool. */
  readonly filters: readonly number[];
  /**
   * Batch-norm in each conv block: conv (no bias) → batch-norm → activation → max-pool.
   * Default false. Moving averages use momentum 0.9 (see BATCH_NORM_MOMENTUM).
   */
  readonly batchNorm?: boolean;
  readonly kernelSize?: number;
  /** Widths of dense layers between the conv blocks and the logits. */
  readonly dense?: readonly number[];
  readonly activation?: Activation;
  /** Dropout before each dense layer, in [0, 1). */
  readonly dropout?: number;
  readonly seed: number;
  readonly name?: string;
}

/**
 * Keras' default 0.99 keeps the initial statistics for hundreds of steps, longer than a low-data
 * run of a few epochs lasts; 0.9 (PyTorch's 0.1) tracks them within a few dozen.
 */
export const BATCH_NORM_MOMENTUM = 0.9;

/** A small convolutional classifier: (conv → [batch-norm] → act → max-pool)* → flatten → (dense → act)* → logits. */
/** Every option of `createCnn` (the type check keeps it complete). */
export const CNN_OPTION_KEYS: OptionKeys<CnnOptions> = {
  inputShape: true, numClasses: true, filters: true, batchNorm: true, kernelSize: true, dense: true, activation: true, dropout: true, seed: true, name: true,
};

export function createCnn(options: CnnOptions): LayersClassifier {
  checkCallOptions('createCnn', options, CNN_OPTION_KEYS, ['inputShape', 'numClasses', 'filters', 'seed']);
  validateCommon('cnn', options);
  if (options.inputShape.length !== 3) {
    // The shape is the dataset's, not an option the user wrote: say what the data is, and what takes it.
    const vector = options.inputShape.length === 1 ? ': feature vectors (a table\'s rows), which the mlp plugin takes' : '';
    throw new DistilleryError('E_CONFIG', `cnn: takes images, examples shaped [height, width, channels]; this data's examples are [${options.inputShape.join(', ')}]${vector}`, {
      details: { field: 'cnn.inputShape', expected: '[height, width, channels]' },
    });
  }
  if (options.filters.length === 0) throw configError('cnn.filters', 'at least one conv block', options.filters);
  options.filters.forEach((f, i) => assertPositiveInteger(`cnn.filters[${i}]`, f));
  const dense = options.dense ?? [];
  dense.forEach((w, i) => assertPositiveInteger(`cnn.dense[${i}]`, w));
  const kernelSize = options.kernelSize ?? 3;
  assertPositiveInteger('cnn.kernelSize', kernelSize);
  const activation = checkActivation('cnn', options.activation ?? 'relu');
  const dropout = options.dropout ?? 0;
  assertInRange('cnn.dropout', dropout, 0, 0.95);
  const batchNorm = options.batchNorm ?? false;
  if (typeof batchNorm !== 'boolean') throw configError('cnn.batchNorm', 'true or false', batchNorm);

  const layers: tf.layers.Layer[] = [];
  const named = layerNamer();
  let [height, width] = options.inputShape as [number, number, number];
  options.filters.forEach((filters, i) => {
    if (height < 2 || width < 2) {
      throw configError('cnn.filters', `at most ${i} conv blocks for input ${options.inputShape.join('×')}`, options.filters);
    }
    const conv = {
      ...(i === 0 ? { inputShape: [...options.inputShape] } : {}),
      ...named('conv2d'),
      filters,
      kernelSize,
      padding: 'same' as const,
      ...initializers(options.seed, i),
    };
    if (batchNorm) {
      // Batch-norm's β does a bias's work, so the conv has none.
      layers.push(
        tf.layers.conv2d({ ...conv, useBias: false }),
        tf.layers.batchNormalization({ momentum: BATCH_NORM_MOMENTUM, ...named('batch_normalization') }),
        tf.layers.activation({ activation, ...named('activation') }),
      );
    } else {
      layers.push(tf.layers.conv2d({ ...conv, activation }));
    }
    layers.push(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, ...named('max_pooling2d') }));
    height = Math.floor(height / 2);
    width = Math.floor(width / 2);
  });
  layers.push(tf.layers.flatten(named('flatten')));
  dense.forEach((units, i) => {
    if (dropout > 0) layers.push(tf.layers.dropout({ rate: dropout, ...named('dropout') }));
    layers.push(tf.layers.dense({ units, activation, ...named('dense'), ...initializers(options.seed, options.filters.length + i) }));
  });
  if (dropout > 0) layers.push(tf.layers.dropout({ rate: dropout, ...named('dropout') }));
  layers.push(tf.layers.dense({ units: options.numClasses, ...named('dense'), ...initializers(options.seed, 100) }));
  const name = options.name ?? `cnn-${options.filters.join('-')}${batchNorm ? '-bn' : ''}`;
  return new LayersClassifier(name, tf.sequential({ layers, name: name.replace(/[^A-Za-z0-9_]/g, '_') }));
}
