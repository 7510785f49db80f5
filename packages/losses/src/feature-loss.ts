import { DistilleryError, tf, type Loss } from '@distillery/core';
import { lossValueChecksEnabled } from './input-checks.js';

export interface FeatureLossSpec {
  readonly name: string;
  /** Throws (E_SHAPE, naming the loss) when features of these shapes (batch axis first) cannot be compared. */
  readonly checkShapes: (student: readonly number[], teacher: readonly number[]) => void;
  /** The math, run inside `tf.tidy` once the features have passed the checks. */
  readonly compute: (student: tf.Tensor, teacher: tf.Tensor) => tf.Scalar;
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * A loss on a student feature and a teacher feature (`LossInputs.studentFeature` and
 * `teacherFeature`), checked like the logit losses: the features are there, one row per example
 * on both sides, shapes the loss can compare, finite values — before any tfjs op runs.
 */
export function checkedFeatureLoss(spec: FeatureLossSpec): Loss {
  const { name } = spec;
  return {
    name,
    requires: ['features'],
    compute({ studentFeature, teacherFeature }) {
      if (studentFeature === undefined || teacherFeature === undefined) {
        throw new DistilleryError(
          'E_CONFIG',
          `${name}: needs a student and a teacher feature — use it in a feature term ({ student: <layer>, teacher: <layer>, loss: ${name} }), not as a logit loss`,
        );
      }
      const [s, t] = [studentFeature.shape, teacherFeature.shape];
      if (s.length < 2 || t.length < 2 || s[0] !== t[0]) {
        throw new DistilleryError('E_SHAPE', `${name}: student and teacher features need a batch axis of the same size, got ${shapeText(s)} and ${shapeText(t)}`);
      }
      spec.checkShapes(s, t);
      if (lossValueChecksEnabled()) {
        assertFiniteFeature(name, 'student feature', studentFeature);
        assertFiniteFeature(name, 'teacher feature', teacherFeature);
      }
      return tf.tidy(() => spec.compute(studentFeature, teacherFeature));
    },
  };
}

function assertFiniteFeature(loss: string, what: string, feature: tf.Tensor): void {
  const values = feature.dataSync() as Float32Array;
  const perRow = values.length / feature.shape[0]!;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new DistilleryError('E_DATASET', `${loss}: ${what} holds ${values[i]} at row ${Math.floor(i / perRow)}, element ${i % perRow}`);
    }
  }
}

/** v / max(‖v‖₂, 1e-12) along `axis`, as PyTorch's F.normalize; a zero vector stays zero with a zero gradient. */
export function l2Normalize(x: tf.Tensor, axis: number, safeSqrt: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  const norm = safeSqrt(tf.sum(tf.square(x), axis, true));
  return tf.div(x, tf.maximum(norm, 1e-12));
}
