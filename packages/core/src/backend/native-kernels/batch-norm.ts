import * as tf from '@tensorflow/tfjs';
import { heapBuffer, kernelInstalled, offsetOf, sizeOf, type NativeKernelFunc, type WasmHeapBackend } from './native-heap.js';

/**
 * Batch normalisation in training mode, channels last, as one forward kernel (outputs y, the
 * batch mean and the biased batch variance, as tf.moments gives them) and one backward kernel.
 * As tfjs ops — moments, batchNorm and the gradients of both, which the tape walks one by one —
 * it was ~100 kernels and ~40 passes over the activation a step: 40 % of the CNN teacher's step
 * in bench/quality. Registered with the native kernels only, like the fused Adam and the logit
 * losses: without them the layer runs tfjs's own ops, and the wasm path computes what it did.
 */
export const BATCH_NORM_TRAIN_KERNEL = 'DistilleryBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD_KERNEL = 'DistilleryBatchNormTrainGrad';

/** The C kernels keep per-channel sums on the stack. */
const MAX_CHANNELS = 1024;

export interface BatchNormTraining {
  /** Differentiable with respect to x, γ and β. */
  readonly y: tf.Tensor;
  /** The batch's statistics, for the moving averages: not differentiable, and the caller's to dispose. */
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/**
 * y = (x − mean)·γ/√(variance + ε) + β over every axis but the last, with the batch's mean and
 * biased variance, as tfjs-layers' batch-norm computes it in training (tf.moments, then
 * tf.batchNorm), and its gradient with respect to x, γ and β in one kernel. Undefined when the
 * fused kernels are not installed or the case is not theirs (not float32, no rows, over 1024
 * channels, γ or β not one value per channel).
 */
export function fusedBatchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTraining | undefined {
  if (!kernelInstalled(BATCH_NORM_TRAIN_KERNEL)) return undefined;
  const channels = x.shape[x.shape.length - 1];
  if (x.dtype !== 'float32' || x.rank < 2 || channels === undefined || channels < 1 || channels > MAX_CHANNELS || x.size === 0) return undefined;
  if ([gamma, beta].some((p) => p.dtype !== 'float32' || p.rank !== 1 || p.size !== channels)) return undefined;
  let statistics: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad((...args: unknown[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x: input, scale, offset }, { epsilon }) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    save([input, scale, mean, variance]);
    // The forward runs in a tidy of the engine's: the statistics leave it kept, and the caller disposes them.
    statistics = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sScale, sMean, sVariance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD_KERNEL, { dy: dy as tf.Tensor, x: sx, scale: sScale, mean: sMean, variance: sVariance }, { epsilon }) as tf.Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta);
  const [mean, variance] = statistics!;
  return { y, mean, variance };
}

/** Both kernels' outputs: one shaped like x (y, or dx), then two per channel; allocated before any offset is read (the heap may grow). */
function allocate(backend: WasmHeapBackend, x: tf.TensorInfo) {
  const channels = x.shape[x.shape.length - 1]!;
  const outputs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([channels], 'float32'), backend.makeOutput([channels], 'float32')] as const;
  return { rows: sizeOf(x.shape) / channels, channels, outputs, at: (info: tf.TensorInfo) => offsetOf(backend, info) };
}

export const nativeBatchNormTrain: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const { rows, channels, outputs, at } = allocate(backend, inputs['x']!);
  const [y, mean, variance] = outputs;
  addon.batchNormTrain(heapBuffer(backend), rows, channels, attrs['epsilon'] as number, at(inputs['x']!), at(inputs['scale']!), at(inputs['offset']!), at(y), at(mean), at(variance));
  return outputs as unknown as ReturnType<NativeKernelFunc>;
};

export const nativeBatchNormTrainGrad: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const { rows, channels, outputs, at } = allocate(backend, inputs['x']!);
  const [dx, dScale, dOffset] = outputs;
  addon.batchNormTrainGrad(
    heapBuffer(backend), rows, channels, attrs['epsilon'] as number,
    at(inputs['dy']!), at(inputs['x']!), at(inputs['scale']!), at(inputs['mean']!), at(inputs['variance']!),
    at(dx), at(dScale), at(dOffset),
  );
  return outputs as unknown as ReturnType<NativeKernelFunc>;
};
