import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../backend/native-kernels/adam-update.js';

/** What the trainer needs of an optimiser. */
export interface TrainingOptimizer {
  applyGradients(gradients: tf.NamedTensorMap): void;
  /** The learning rate of the steps from now on (a schedule changes it between epochs). */
  setLearningRate(learningRate: number): void;
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

/**
 * Adam as tf.train.adam(learningRate) computes it: one kernel per variable where the native
 * kernels are installed (Distillery's fused Adam step), else tfjs' own optimiser.
 */
export function createAdam(learningRate: number): TrainingOptimizer {
  if (tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined) return new FusedAdam(learningRate);
  const adam = tf.train.adam(learningRate, BETA1, BETA2);
  return {
    applyGradients: (gradients) => adam.applyGradients(gradients as Record<string, tf.Variable>),
    // tfjs' AdamOptimizer reads its (protected) learningRate field at every step.
    setLearningRate: (rate) => ((adam as unknown as { learningRate: number }).learningRate = rate),
    dispose: () => adam.dispose(),
  };
}

interface Moments {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
}

/**
 * tfjs' AdamOptimizer state and arithmetic (moments start at zero; the bias corrections use
 * accumulated powers of β kept in float32 as its scalar variables are), with each variable's
 * ~12 elementwise kernels replaced by one: the same bits, far fewer passes and dispatches.
 */
class FusedAdam implements TrainingOptimizer {
  private accBeta1 = Math.fround(BETA1);
  private accBeta2 = Math.fround(BETA2);
  private readonly moments = new Map<string, Moments>();
  private constants: Omit<AdamUpdateAttrs, 'oneMinusAccBeta1' | 'oneMinusAccBeta2'>;

  constructor(learningRate: number) {
    const f = Math.fround;
    this.constants = {
      beta1: f(BETA1),
      oneMinusBeta1: f(1 - BETA1),
      beta2: f(BETA2),
      oneMinusBeta2: f(1 - BETA2),
      epsilon: f(tf.backend().epsilon()),
      minusLearningRate: f(-learningRate),
    };
  }

  applyGradients(gradients: tf.NamedTensorMap): void {
    const attrs: AdamUpdateAttrs = {
      ...this.constants,
      oneMinusAccBeta1: Math.fround(1 - this.accBeta1),
      oneMinusAccBeta2: Math.fround(1 - this.accBeta2),
    };
    for (const [name, gradient] of Object.entries(gradients)) {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined || gradient == null) continue;
      const moments = this.momentsOf(name, value);
      const [next, m, v] = tf.engine().runKernel(ADAM_UPDATE_KERNEL, { value, m: moments.m, v: moments.v, gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      moments.m.assign(m!);
      moments.v.assign(v!);
      value.assign(next!);
      tf.dispose([next!, m!, v!]);
    }
    this.accBeta1 = Math.fround(this.accBeta1 * this.constants.beta1);
    this.accBeta2 = Math.fround(this.accBeta2 * this.constants.beta2);
  }

  setLearningRate(learningRate: number): void {
    this.constants = { ...this.constants, minusLearningRate: Math.fround(-learningRate) };
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }

  private momentsOf(name: string, value: tf.Variable): Moments {
    let moments = this.moments.get(name);
    if (moments === undefined) {
      moments = tf.tidy(() => ({ m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) }));
      this.moments.set(name, moments);
    }
    return moments;
  }
}
