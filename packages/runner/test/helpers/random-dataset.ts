import { InMemoryDataset, createRandom } from '@distillery/core';

/** n random examples of a [side, side, 1] shape, labels cycling over the classes. */
export function randomDataset(n: number, seed: number, side = 6, numClasses = 5): InMemoryDataset {
  const rng = createRandom(seed);
  const row = side * side;
  return new InMemoryDataset({
    name: `random-${n}-${seed}`,
    inputShape: [side, side, 1],
    numClasses,
    features: Float32Array.from({ length: n * row }, () => rng.next()),
    labels: Int32Array.from({ length: n }, (_, i) => i % numClasses),
  });
}
