import * as tf from '@tensorflow/tfjs';
import type { FeatureAdapterKind } from '../contracts/loss.js';
import { DistilleryError } from '../errors.js';

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A trainable map from a student feature to the teacher's: FitNets' regressor. `dense` maps the
 * flattened feature to the teacher's shape; `conv1x1` maps the channels of a [h, w, c] map
 * (a 1×1 convolution, computed as one matrix product over every position). Glorot-uniform kernel,
 * zero bias, as the students' own layers. It belongs to the trainer, not to the student: its
 * variables are trained with the student's and disposed when training ends.
 */
export class FeatureAdapter {
  readonly outputShape: readonly number[];
  private readonly kernel: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(
    readonly kind: FeatureAdapterKind,
    readonly inputShape: readonly number[],
    teacherShape: readonly number[],
    seed: number,
    describe: () => string,
  ) {
    let fanIn: number;
    let fanOut: number;
    if (kind === 'conv1x1') {
      if (inputShape.length !== 3 || teacherShape.length !== 3) {
        throw new DistilleryError('E_SHAPE', `${describe()}: a conv1x1 adapter maps the channels of feature maps [height, width, channels] on both sides (use dense otherwise)`);
      }
      fanIn = inputShape[2]!;
      fanOut = teacherShape[2]!;
      this.outputShape = [inputShape[0]!, inputShape[1]!, fanOut];
    } else if (kind === 'dense') {
      fanIn = product(inputShape);
      fanOut = product(teacherShape);
      this.outputShape = [...teacherShape];
    } else {
      throw new DistilleryError('E_CONFIG', `${describe()}: adapter must be "dense" or "conv1x1", got ${JSON.stringify(kind)}`);
    }
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    // Inside tidy, so the initial values go once the variables hold them (tidy keeps variables).
    this.kernel = tf.tidy(() => tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed)));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([fanOut])));
  }

  /** [batch, ...inputShape] → [batch, ...outputShape]. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = x.shape[0]!;
      const rows = this.kind === 'dense' ? n : n * this.inputShape[0]! * this.inputShape[1]!;
      const flat = tf.reshape(x, [rows, this.kernel.shape[0]!]) as tf.Tensor2D;
      return tf.reshape(tf.add(tf.matMul(flat, this.kernel as tf.Tensor2D), this.bias), [n, ...this.outputShape]);
    });
  }

  variables(): tf.Variable[] {
    return [this.kernel, this.bias];
  }

  dispose(): void {
    tf.dispose([this.kernel, this.bias]);
  }
}
