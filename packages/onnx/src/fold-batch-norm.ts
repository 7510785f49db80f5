/** A batch-norm layer's inference-time parameters (per channel). */
export interface BatchNormWeights {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly epsilon: number;
}

export interface Folded {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/**
 * Folds an inference-mode batch-norm into the layer before it: γ·(Wx + b − μ)/√(σ² + ε) + β
 * = (s·W)x + s·(b − μ) + β with s = γ/√(σ² + ε) per output channel — one layer fewer to run.
 * `channelOf(i)` names the output channel of weight i. Without a batch-norm, weights pass as
 * they are (and a missing bias becomes zeros).
 */
export function foldBatchNorm(
  weights: Float32Array,
  bias: Float32Array | undefined,
  channels: number,
  channelOf: (index: number) => number,
  bn: BatchNormWeights | undefined,
): Folded {
  const b = bias ?? new Float32Array(channels);
  if (bn === undefined) return { weights, bias: b };
  // In float64, then rounded once: the folded model stays within float32 rounding of the unfolded one.
  const scale = Array.from({ length: channels }, (_, c) => bn.gamma[c]! / Math.sqrt(bn.variance[c]! + bn.epsilon));
  const folded = weights.map((w, i) => w * scale[channelOf(i)]!);
  const foldedBias = b.map((v, c) => (v - bn.mean[c]!) * scale[c]! + bn.beta[c]!);
  return { weights: folded, bias: foldedBias };
}
