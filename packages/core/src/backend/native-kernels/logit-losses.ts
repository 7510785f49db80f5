import * as tf from '@tensorflow/tfjs';
import { heapBuffer, kernelInstalled, offsetOf, type NativeKernelFunc } from './native-heap.js';

/**
 * The two logit losses of a distillation step (hard-label cross-entropy and Hinton kd), each
 * one forward and one backward kernel. As a graph of tfjs ops they are ~60 kernels a step
 * (log-softmax, one-hot, casts, the tape's saved copies and each op's gradient), and on a small
 * student that dispatch was a third of the step. Registered with the native kernels only, like
 * the fused Adam: without them the losses run as tfjs ops, so the wasm path's results are the
 * same bits as before. They compute the same quantities in double, rounded once (equal to the
 * op graph within float rounding: test/native-kernels.test.ts).
 */
export const XENT_KERNEL = 'DistilleryLogitCrossEntropy';
export const XENT_GRAD_KERNEL = 'DistilleryLogitCrossEntropyGrad';
export const KD_KERNEL = 'DistilleryLogitKd';
export const KD_GRAD_KERNEL = 'DistilleryLogitKdGrad';

/** mean_i −log softmax(logits_i)[labels_i]; undefined when the fused kernels are not installed (or the inputs are not float32 logits and int32 labels). */
export function fusedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar | undefined {
  if (!kernelInstalled(XENT_KERNEL) || !fusible(logits) || labels.dtype !== 'int32' || labels.shape.length !== 1 || logits.shape[0] !== labels.shape[0]) return undefined;
  return tf.engine().runKernel(XENT_KERNEL, { logits, labels }) as tf.Scalar;
}

/** T² · mean_i KL(softmax(teacher_i/T) ‖ softmax(student_i/T)); undefined when the fused kernels are not installed. */
export function fusedKd(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar | undefined {
  if (!kernelInstalled(KD_KERNEL) || !fusible(student) || !fusible(teacher) || student.shape.join() !== teacher.shape.join()) return undefined;
  return tf.engine().runKernel(KD_KERNEL, { student, teacher }, { temperature }) as tf.Scalar;
}

/** The C kernels take float32 [rows ≥ 1, 1 ≤ classes ≤ 4096]; anything else stays on the op graph. */
const MAX_CLASSES = 4096;
function fusible(logits: tf.Tensor): boolean {
  return logits.dtype === 'float32' && logits.shape.length === 2 && logits.shape[0]! >= 1 && logits.shape[1]! >= 1 && logits.shape[1]! <= MAX_CLASSES;
}

const shapeOf = (info: tf.TensorInfo) => ({ rows: info.shape[0]!, classes: info.shape[1]! });

export const nativeXent: NativeKernelFunc = (addon, { inputs, backend }) => {
  const logits = inputs['logits']!;
  const { rows, classes } = shapeOf(logits);
  const out = backend.makeOutput([], 'float32');
  addon.xentLoss(heapBuffer(backend), rows, classes, offsetOf(backend, logits), offsetOf(backend, inputs['labels']!), offsetOf(backend, out));
  return out;
};

export const nativeXentGrad: NativeKernelFunc = (addon, { inputs, backend }) => {
  const logits = inputs['logits']!;
  const { rows, classes } = shapeOf(logits);
  const out = backend.makeOutput(logits.shape, 'float32');
  addon.xentGrad(heapBuffer(backend), rows, classes, offsetOf(backend, inputs['dy']!), offsetOf(backend, logits), offsetOf(backend, inputs['labels']!), offsetOf(backend, out));
  return out;
};

export const nativeKd: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const student = inputs['student']!;
  const { rows, classes } = shapeOf(student);
  const out = backend.makeOutput([], 'float32');
  addon.kdLoss(heapBuffer(backend), rows, classes, attrs['temperature'] as number, offsetOf(backend, student), offsetOf(backend, inputs['teacher']!), offsetOf(backend, out));
  return out;
};

export const nativeKdGrad: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const student = inputs['student']!;
  const { rows, classes } = shapeOf(student);
  const out = backend.makeOutput(student.shape, 'float32');
  addon.kdGrad(
    heapBuffer(backend), rows, classes, attrs['temperature'] as number, attrs['wrtTeacher'] === true ? 1 : 0,
    offsetOf(backend, inputs['dy']!), offsetOf(backend, student), offsetOf(backend, inputs['teacher']!), offsetOf(backend, out),
  );
  return out;
};

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;

/** Their gradients, registered once per thread (a gradient of a kernel the backend lacks is never asked for). */
export function registerLogitLossGradients(): void {
  if (tf.getGradient(XENT_KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: XENT_KERNEL,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved) => {
      const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
      return { logits: () => run(XENT_GRAD_KERNEL, { dy: dy as tf.Tensor, logits, labels }), labels: () => tf.zerosLike(labels) };
    },
  });
  tf.registerGradient({
    kernelName: KD_KERNEL,
    inputsToSave: ['student', 'teacher'],
    gradFunc: (dy, saved, attrs) => {
      const [student, teacher] = saved as [tf.Tensor, tf.Tensor];
      const grad = (wrtTeacher: boolean) => run(KD_GRAD_KERNEL, { dy: dy as tf.Tensor, student, teacher }, { temperature: attrs['temperature'] as number, wrtTeacher });
      return { student: () => grad(false), teacher: () => grad(true) };
    },
  });
}
