import type * as tf from '@tensorflow/tfjs';
import type { ModelInputDescription } from '../model/input-description.js';

export interface ForwardOptions {
  /** Training mode: dropout active, batch-norm on batch statistics (updating its moving averages). Default false. */
  readonly training?: boolean;
  /** Seeds the dropout masks of this call, so a training run repeats exactly. */
  readonly seed?: number;
}

/** A named intermediate output of a model (a TensorFlow.js layer, an ONNX graph value). */
export interface FeatureInfo {
  /** The layer's name: what a feature term names (`conv2d_2`). */
  readonly name: string;
  /** What computes it: the layer class (`Conv2D`, `Dense`) or the ONNX op. */
  readonly kind: string;
  /** Shape of one example's output, without the batch axis (feature maps channels last). */
  readonly shape: readonly number[];
}

/** One forward pass: the logits, and the outputs of the layers asked for, by name. The caller owns them all. */
export interface ForwardFeatures {
  readonly logits: tf.Tensor2D;
  readonly features: Readonly<Record<string, tf.Tensor>>;
}

/** A classifier: input batch → logits. Teachers and students are both Models. */
export interface Model {
  readonly name: string;
  /** Shape of one example, without the batch axis. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Raw logits [batch, numClasses] (never probabilities). The caller owns the result. */
  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor2D;
  /**
   * The named layers whose outputs `forwardWithFeatures` can return, in forward order.
   * Absent: the model exposes no intermediate outputs (feature terms refuse it).
   */
  features?(): readonly FeatureInfo[];
  /**
   * `forward`, also returning the outputs of the named layers — in the same single pass, so in
   * training mode they are on the same gradient tape as the logits. Unknown names throw.
   */
  forwardWithFeatures?(x: tf.Tensor, layers: readonly string[], options?: ForwardOptions): ForwardFeatures;
  trainableVariables(): tf.Variable[];
  /**
   * Non-trainable state that training mode updates (batch-norm moving mean and variance).
   * Weight snapshots (early stopping's best epoch) save and restore it with the weights.
   */
  stateVariables?(): tf.Variable[];
  /**
   * Resolves once the model can run. Plugin `create` is synchronous, so a model made by a plugin
   * that reads weights from disk (`saved`, an `ensemble` of saved teachers) loads them here;
   * its `forward` throws until then. Absent: ready at once. The trainer awaits it.
   */
  ready?(): Promise<void>;
  /**
   * A stable hash of architecture and weights, for models that are not one tfjs layers model
   * (ensembles); `modelFingerprint` uses it when present.
   */
  fingerprint?(): Promise<string>;
  /**
   * The model that does the work, for a model that only wraps one (a `saved` teacher once
   * ready): serialisation to a worker and ONNX export use it. Absent: the model itself.
   */
  unwrap?(): Model;
  countParams(): number;
  /**
   * What the model expects of its input (shape, value range, layout, class names): the trainer
   * records it from the training data, `save` writes it into the model's metadata, loading reads it.
   */
  inputDescription?: ModelInputDescription;
  /** Writes model.json + weights.bin in the TensorFlow.js layers format (an ensemble: one folder per member). */
  save(directory: string): Promise<void>;
  dispose(): void;
}
