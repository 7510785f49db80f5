import { tf, type Model } from '@distillery/core';
import { createMlp } from '@distillery/students';

/** Small, distinct teachers on 4 features and 3 classes: fast to build, save and compare. */
export function smallTeacher(seed: number, classes = 3, inputs = 4): Model {
  return createMlp({ inputShape: [inputs], numClasses: classes, hidden: [6], seed, name: `small-${seed}` });
}

export async function logitsOf(model: Model, x: tf.Tensor): Promise<number[][]> {
  const logits = model.forward(x);
  const values = (await logits.array()) as number[][];
  logits.dispose();
  return values;
}

export function probe(): tf.Tensor2D {
  return tf.tensor2d([
    [0.5, -1, 2, 0],
    [3, 1, -2, 0.5],
    [-0.3, 0.2, 0.1, 4],
  ]);
}

/** A stand-in teacher whose logits are fixed rows, whatever the input. */
export function fixedLogits(name: string, rows: number[][]): Model {
  return {
    name,
    inputShape: [4],
    numClasses: rows[0]!.length,
    forward: () => tf.tensor2d(rows),
    trainableVariables: () => [],
    countParams: () => 0,
    save: () => Promise.reject(new Error('not saved in tests')),
    dispose: () => undefined,
  };
}
