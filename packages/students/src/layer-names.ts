/**
 * Names layers per model and kind — `conv2d_1`, `conv2d_2`, `dense_1` — so a feature term in a
 * config (`student: conv2d_2`) names the same layer in every process. tfjs-layers' own default
 * names (`conv2d_Conv2D3`) count across every model built in the process, so they would not.
 */
export function layerNamer(): (kind: string) => { name: string } {
  const counts = new Map<string, number>();
  return (kind) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    return { name: `${kind}_${n}` };
  };
}
