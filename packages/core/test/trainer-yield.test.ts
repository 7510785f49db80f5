import { beforeAll, describe, expect, it } from 'vitest';
import { DistillationTrainer, InMemoryDataset, LayersClassifier, setupBackend, tf, type Loss } from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

beforeAll(async () => {
  await setupBackend({ backend: 'wasm' });
});

/** 2,000 examples of 64 features: enough steps that training takes well over 50 ms. */
function data(): InMemoryDataset {
  const n = 2000;
  const features = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37));
  return new InMemoryDataset({ name: 'waves', inputShape: [64], numClasses: 4, features, labels: Int32Array.from({ length: n }, (_, i) => i % 4) });
}

const ce: Loss = {
  name: 'ce',
  requires: ['labels'],
  compute: ({ studentLogits, labels }) => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels!, 4), studentLogits) as tf.Scalar),
};

/** Trains for 3 epochs of batch 8 while a 10 ms interval counts how often it got to run. */
async function timerTicksDuringTraining(yieldEveryMs: number | undefined): Promise<{ ticks: number; ms: number }> {
  const layers = tf.sequential({ layers: [tf.layers.dense({ inputShape: [64], units: 64, activation: 'relu' }), tf.layers.dense({ units: 4 })] });
  const model = new LayersClassifier('yield-test', layers);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 10);
  const started = performance.now();
  await new DistillationTrainer().train({
    model,
    objective: { terms: [{ name: 'ce', data: 'labelled', loss: ce, weight: 1 }] },
    data: { labelled: data() },
    options: { epochs: 3, batchSize: 8, learningRate: 1e-3, seed: 1, ...(yieldEveryMs === undefined ? {} : { yieldEveryMs }) },
  });
  const ms = performance.now() - started;
  clearInterval(timer);
  model.dispose();
  return { ticks, ms };
}

describe('the training loop lets the event loop run', () => {
  it('timers (progress redraws) and signal handlers run during training, not only after it', async () => {
    await expectNoTensorLeak(async () => {
      const { ticks, ms } = await timerTicksDuringTraining(undefined);
      expect(ms).toBeGreaterThan(300); // long enough for several 50 ms turns
      // A pause every 50 ms of steps, each letting the due tick run: at least one tick per
      // 200 ms of training even on a loaded machine (a step itself takes a few ms).
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(ms / 200));
    });
  });

  it('with yieldEveryMs: Infinity the same training starves the timer (what the default fixes)', async () => {
    const { ticks } = await timerTicksDuringTraining(Infinity);
    expect(ticks).toBeLessThanOrEqual(1);
  });
});
