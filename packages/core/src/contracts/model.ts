import type * as tf from '@tensorflow/tfjs';

export interface ForwardOptions {
  /** Training mode: dropout active. Default false. */
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
  countParams(): number;
  /** Writes model.json + weights.bin in the TensorFlow.js layers format. */
  save(directory: string): Promise<void>;
  dispose(): void;
}
