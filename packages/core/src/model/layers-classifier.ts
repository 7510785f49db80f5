import * as tf from '@tensorflow/tfjs';
import type { FeatureInfo, ForwardFeatures, ForwardOptions, Model } from '../contracts/model.js';
import { DistilleryError } from '../errors.js';
import { deriveSeed } from '../random.js';
import { scaleTensor, type FeatureScaling } from '../data/feature-scaling.js';
import type { ModelInputDescription } from './input-description.js';
import { saveLayersModel } from './model-directory.js';
import { checkFeatureNames } from './model-features.js';
import { batchNormTraining } from './batch-norm-training.js';

/**
 * A Model backed by a tfjs-layers Sequential model, so it saves in the TensorFlow.js layers
 * format that `tf.loadLayersModel` reads in a browser.
 *
 * In training mode the layers run one by one so that dropout masks come from our seed:
 * tfjs-layers' Dropout reuses one mask for every call when seeded, and is unrepeatable when not.
 * Every other layer gets `training: true`, so batch-norm normalises with the batch's statistics
 * and moves its moving mean and variance (tfjs-layers writes them inside its own call; with the
 * native kernels, `batchNormTraining` does the same in two fused kernels).
 * `forwardWithFeatures` runs the same layer-by-layer pass in either mode, keeping the outputs
 * of the layers asked for.
 */
export class LayersClassifier implements Model {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  inputDescription?: ModelInputDescription;

  constructor(
    readonly name: string,
    readonly layersModel: tf.LayersModel,
    /**
     * Scaling fitted on the training data, applied to every input before the layers: a saved
     * model carries it in its folder, so it takes raw features wherever it is loaded.
     */
    readonly preprocessing?: FeatureScaling,
  ) {
    const input = layersModel.inputs[0]?.shape;
    const output = layersModel.outputs[0]?.shape;
    if (input === undefined || output === undefined || output.length !== 2 || typeof output[1] !== 'number') {
      throw new DistilleryError('E_SHAPE', `model ${name}: expected one input and one [batch, classes] output`);
    }
    this.inputShape = input.slice(1).map((d) => d ?? 0);
    this.numClasses = output[1];
  }

  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor2D {
    this.checkInput(x);
    if (options.training !== true) return tf.tidy(() => this.layersModel.apply(this.scaled(x), { training: false }) as tf.Tensor2D);
    return tf.tidy(() => this.layerByLayer(this.scaled(x), new Set(), options).logits);
  }

  /** The same layers (shared, not copied) behind a preprocessing step: dispose only one of the two. */
  withPreprocessing(preprocessing: FeatureScaling | undefined): LayersClassifier {
    const model = new LayersClassifier(this.name, this.layersModel, preprocessing);
    if (this.inputDescription !== undefined) model.inputDescription = this.inputDescription;
    return model;
  }

  private scaled(x: tf.Tensor): tf.Tensor {
    return this.preprocessing === undefined ? x : scaleTensor(x, this.preprocessing);
  }

  features(): readonly FeatureInfo[] {
    return this.layersModel.layers.map((layer) => ({
      name: layer.name,
      kind: layer.getClassName(),
      shape: (layer.outputShape as (number | null)[]).slice(1).map((d) => d ?? 0),
    }));
  }

  forwardWithFeatures(x: tf.Tensor, layers: readonly string[], options: ForwardOptions = {}): ForwardFeatures {
    checkFeatureNames(this, layers);
    this.checkInput(x);
    // tidy keeps the tensors of a returned container; its type wants an index signature.
    return tf.tidy(() => this.layerByLayer(this.scaled(x), new Set(layers), options) as unknown as tf.TensorContainerObject) as unknown as ForwardFeatures;
  }

  private layerByLayer(x: tf.Tensor, wanted: ReadonlySet<string>, options: ForwardOptions): ForwardFeatures {
    const training = options.training === true;
    const features: Record<string, tf.Tensor> = {};
    let h = x;
    this.layersModel.layers.forEach((layer, index) => {
      const kind = layer.getClassName();
      if (kind === 'Dropout') {
        const rate = (layer.getConfig() as { rate: number }).rate;
        if (training) h = seededDropout(h, rate, deriveSeed(options.seed ?? 1, index));
      } else {
        const fused = training && kind === 'BatchNormalization' ? batchNormTraining(layer, h) : undefined;
        h = fused ?? (layer.apply(h, { training }) as tf.Tensor);
      }
      if (wanted.has(layer.name)) features[layer.name] = h;
    });
    return { logits: h as tf.Tensor2D, features };
  }

  trainableVariables(): tf.Variable[] {
    return this.layersModel.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  stateVariables(): tf.Variable[] {
    return this.layersModel.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  }

  countParams(): number {
    return this.layersModel.countParams();
  }

  async save(directory: string): Promise<void> {
    await saveLayersModel(this.layersModel, directory, {
      name: this.name,
      ...(this.preprocessing === undefined ? {} : { preprocessing: this.preprocessing }),
      ...(this.inputDescription === undefined ? {} : { input: this.inputDescription }),
    });
  }

  dispose(): void {
    this.layersModel.dispose();
  }

  private checkInput(x: tf.Tensor): void {
    const expected = this.inputShape;
    const got = x.shape.slice(1);
    if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
      throw new DistilleryError(
        'E_SHAPE',
        `model ${this.name}: input examples must have shape [${expected.join(', ')}], got [${got.join(', ')}]`,
      );
    }
  }
}

function seededDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  const keep = tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate);
  return tf.mul(x, tf.mul(tf.cast(keep, 'float32'), 1 / (1 - rate)));
}
