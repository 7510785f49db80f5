/**
 * The q-th percentile (0–100) with linear interpolation between closest ranks, NaN ignored —
 * numpy's `nanpercentile` default, which Optuna's and Ray Tune's pruners use. Undefined when
 * no value is a number.
 */
export function nanPercentile(values: readonly number[], q: number): number | undefined {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const rank = (q / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}
