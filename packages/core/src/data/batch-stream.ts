import type { Batch, Dataset } from '../contracts/dataset.js';
import { deriveSeed, shuffledIndices } from '../random.js';

/**
 * An endless stream of fixed-size batches: each pass over the dataset is freshly shuffled,
 * and a batch that reaches the end of a pass continues into the next one. A labelled set of
 * 20 examples and a transfer set of 8000 can then be drawn side by side, step for step.
 */
export class BatchStream {
  private order: Int32Array;
  private position = 0;
  private pass = 0;
  readonly batchSize: number;

  constructor(
    readonly dataset: Dataset & { batchOf?(indices: Int32Array): Batch },
    batchSize: number,
    private readonly seed: number,
  ) {
    this.batchSize = Math.min(batchSize, dataset.size);
    this.order = shuffledIndices(dataset.size, deriveSeed(seed, 0));
  }

  next(): Batch {
    return batchOf(this.dataset, this.nextIndices());
  }

  /** The next batch's example indices, without building its tensors. */
  nextIndices(): Int32Array {
    const indices = new Int32Array(this.batchSize);
    for (let i = 0; i < indices.length; i++) {
      if (this.position === this.order.length) {
        this.pass += 1;
        this.order = shuffledIndices(this.dataset.size, deriveSeed(this.seed, this.pass));
        this.position = 0;
      }
      indices[i] = this.order[this.position++]!;
    }
    return indices;
  }
}

/** Builds a batch through the dataset's own fast path when it has one. */
export function batchOf(dataset: Dataset & { batchOf?(indices: Int32Array): Batch }, indices: Int32Array): Batch {
  if (dataset.batchOf !== undefined) return dataset.batchOf(indices);
  const sub = dataset.subset(indices);
  const batch = sub.batches({ batchSize: indices.length }).next().value as Batch;
  return { ...batch, indices };
}
