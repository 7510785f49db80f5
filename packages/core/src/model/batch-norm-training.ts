import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormTraining } from '../backend/native-kernels/batch-norm.js';

/** The parts of tfjs-layers' BatchNormalization its training step reads (private in its types). */
interface BatchNormalizationInternals {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly built: boolean;
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

/**
 * A tfjs-layers BatchNormalization layer's training-mode call through the fused batch-norm
 * kernels: the same output (the batch's statistics), the same moving-average updates, written
 * with the layer's own op sequence; the layer itself stays the stock one, so models save, load
 * and export as before. Undefined — the caller then runs `layer.apply` — without the native
 * kernels, or for a case they do not take (normalising an axis other than the last, no γ or β).
 */
export function batchNormTraining(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor | undefined {
  const bn = layer as unknown as BatchNormalizationInternals;
  if (!bn.built || !bn.center || !bn.scale || (bn.axis !== -1 && bn.axis !== x.rank - 1)) return undefined;
  const fused = fusedBatchNormTraining(x, bn.gamma.read() as tf.Tensor1D, bn.beta.read() as tf.Tensor1D, bn.epsilon);
  if (fused === undefined) return undefined;
  try {
    // tfjs-layers' doMovingAverage, op for op: v ← v − (v − batch)·(1 − momentum).
    const decay = 1 - bn.momentum;
    tf.tidy(() => {
      for (const [variable, value] of [[bn.movingMean, fused.mean], [bn.movingVariance, fused.variance]] as const) {
        const original = variable.read();
        variable.write(tf.sub(original, tf.mul(tf.sub(original, value), decay)));
      }
    });
  } finally {
    fused.mean.dispose();
    fused.variance.dispose();
  }
  return fused.y;
}
