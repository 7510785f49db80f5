import type * as tf from '@tensorflow/tfjs';

export interface ForwardOptions {
  /** Training mode: dropout active, batch-norm on batch statistics (updating its moving averages). Default false. */
  readonly training?: boolean;
  /** Seeds the dropout masks of this call, so a training run repeats exactly. */
  readonly seed?: number;
}

/** A classifier: input batch → logits. Teachers and students are both Models. */
export interface Model {
  readonly name: string;
  /** Shape of one example, without the batch axis. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Raw logits [batch, numClasses] (never probabilities). The caller owns the result. */
  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor2D;
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
  countParams(): number;
  /** Writes model.json + weights.bin in the TensorFlow.js layers format (an ensemble: one folder per member). */
  save(directory: string): Promise<void>;
  dispose(): void;
}
