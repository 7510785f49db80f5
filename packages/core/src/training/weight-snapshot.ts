import * as tf from '@tensorflow/tfjs';

/** A copy of a model's weights, kept across awaits, to put back the best epoch's weights. */
export class WeightSnapshot {
  private saved: tf.Tensor[] = [];

  capture(variables: readonly tf.Variable[]): void {
    this.dispose();
    this.saved = variables.map((v) => tf.keep(tf.clone(v)));
  }

  restore(variables: readonly tf.Variable[]): void {
    if (this.saved.length === 0) return;
    variables.forEach((v, i) => v.assign(this.saved[i]!));
  }

  dispose(): void {
    tf.dispose(this.saved);
    this.saved = [];
  }
}
