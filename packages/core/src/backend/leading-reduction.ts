import * as tf from '@tensorflow/tfjs';

/** A reduction over the leading axes of a tensor: `rows` rows of `inner` values folded into one row. */
export interface LeadingReduction {
  readonly rows: number;
  readonly inner: number;
  /** The kept (trailing) dimensions. */
  readonly kept: readonly number[];
  readonly outShape: number[];
}

/**
 * The plan of a Sum/Mean whose reduced axes are the leading ones (a bias gradient; batch-norm's
 * per-channel moments of NHWC): those read the input once as rows, where tfjs-backend-wasm first
 * transposes the reduced axes innermost. Undefined for any other reduction.
 */
export function leadingReduction(x: tf.TensorInfo, attrs: Record<string, unknown>): LeadingReduction | undefined {
  if (x.shape.length === 0) return undefined;
  const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, b) => a - b);
  if (axes.length === 0 || !axes.every((axis, i) => axis === i)) return undefined;
  const kept = x.shape.slice(axes.length);
  return {
    rows: tf.util.sizeFromShape(x.shape.slice(0, axes.length)),
    inner: tf.util.sizeFromShape(kept),
    kept,
    outShape: attrs['keepDims'] === true ? [...axes.map(() => 1), ...kept] : kept,
  };
}
