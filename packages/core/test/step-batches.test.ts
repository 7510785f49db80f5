import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchStream } from '../src/data/batch-stream.js';
import { InMemoryDataset, setupBackend } from '../src/index.js';
import { createRandom } from '../src/random.js';
import { expectNoTensorLeak } from '../src/testing.js';
import { disposeStepBatches, drawStepBatches } from '../src/training/step-batches.js';

function dataset(name: string, size: number, seed: number): InMemoryDataset {
  const rng = createRandom(seed);
  return new InMemoryDataset({
    name,
    inputShape: [2, 3],
    numClasses: 5,
    features: Float32Array.from({ length: size * 6 }, () => rng.next()),
    labels: Int32Array.from({ length: size }, () => Math.floor(rng.next() * 5)),
  });
}

// wasm: the rows go straight into the tensor's heap memory; cpu: through an array.
describe.each(['wasm', 'cpu'] as const)('drawStepBatches on %s', (backend) => {
  beforeAll(async () => {
    await setupBackend({ backend });
    expect(tf.getBackend()).toBe(backend);
  });

  it('a joint draw is the concat of the two batches drawn apart: same rows, labels and indices, step after step', async () => {
    const labelled = dataset('labelled', 7, 1);
    const transfer = dataset('transfer', 30, 2);
    const joint = { labelled: new BatchStream(labelled, 4, 3), transfer: new BatchStream(transfer, 6, 4) };
    const apart = { labelled: new BatchStream(labelled, 4, 3), transfer: new BatchStream(transfer, 6, 4) };
    await expectNoTensorLeak(async () => {
      for (let step = 0; step < 5; step++) {
        const a = drawStepBatches(joint.labelled, joint.transfer, true);
        const b = drawStepBatches(apart.labelled, apart.transfer, false);
        expect(a.joint).toBeDefined();
        expect(b.joint).toBeUndefined();
        expect(a.joint!.shape).toEqual([10, 2, 3]);
        const concat = tf.concat([b.labelled!.x, b.transfer!.x], 0);
        expect(Array.from(await a.joint!.data())).toEqual(Array.from(await concat.data()));
        expect(Array.from(await a.labelled!.y.data())).toEqual(Array.from(await b.labelled!.y.data()));
        expect(Array.from(await a.transfer!.y.data())).toEqual(Array.from(await b.transfer!.y.data()));
        expect(Array.from(a.labelled!.indices)).toEqual(Array.from(b.labelled!.indices));
        expect(Array.from(a.transfer!.indices)).toEqual(Array.from(b.transfer!.indices));
        concat.dispose();
        disposeStepBatches(a);
        disposeStepBatches(b);
      }
    });
  });

  it('draws apart when asked, or when only one set is drawn', () => {
    const labelled = new BatchStream(dataset('labelled', 7, 1), 4, 3);
    const only = drawStepBatches(labelled, undefined, true);
    expect(only.joint).toBeUndefined();
    expect(only.transfer).toBeUndefined();
    expect(only.labelled!.x.shape).toEqual([4, 2, 3]);
    disposeStepBatches(only);
  });
});
