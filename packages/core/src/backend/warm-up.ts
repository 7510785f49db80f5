import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../random.js';
import { createAdam } from '../training/fused-adam.js';

/**
 * Runs a short burst of the kernels training uses (dense and conv, forward and backward,
 * softmax cross-entropy, Adam). V8 compiles WebAssembly in tiers: code starts on a baseline
 * compiler and is optimised once hot, in background threads. A fresh worker otherwise runs its
 * first trials on baseline code — measured ~2× slower on 2 busy cores, where the optimising
 * compiler gets little CPU. Warming up at start-up moves that cost into the pool's start.
 */
export async function warmUpBackend(steps = 40): Promise<void> {
  const rng = createRandom(1);
  const random = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next() - 0.5), shape);
  const w1 = tf.variable(random([784, 64]));
  const w2 = tf.variable(random([64, 10]));
  const filter = tf.variable(random([3, 3, 1, 8]));
  const x = random([64, 784]);
  const images = random([16, 28, 28, 1]);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), 'int32'), 10);
  const optimizer = createAdam(1e-3);
  try {
    for (let step = 0; step < steps; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const hidden = tf.relu(tf.matMul(x, w1));
        const logits = tf.matMul(hidden, w2);
        const conv = tf.mean(tf.maxPool(tf.relu(tf.conv2d(images as tf.Tensor4D, filter as tf.Variable<tf.Rank.R4>, 1, 'same')), 2, 2, 'valid'));
        return tf.add(tf.losses.softmaxCrossEntropy(labels, logits), conv) as tf.Scalar;
      }, [w1, w2, filter]);
      optimizer.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
    await tf.sum(w1).data();
  } finally {
    optimizer.dispose();
    tf.dispose([w1, w2, filter, x, images, labels]);
  }
}
