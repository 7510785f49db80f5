import { allocateAdamOutputs, type AdamUpdateAttrs } from '../wasm-kernels/adam-update.js';
import { heapBuffer, offsetOf, sizeOf, type NativeKernelFunc } from './native-heap.js';

/** The fused Adam step in C: the same float ops as the wasm loop (and tfjs' ops), faster. */
export const nativeAdamUpdate: NativeKernelFunc = (addon, { inputs, backend, attrs }) => {
  const outputs = allocateAdamOutputs(backend, inputs);
  const a = attrs as unknown as AdamUpdateAttrs;
  const at = (info: typeof outputs[number]) => offsetOf(backend, info);
  addon.adamUpdate(
    heapBuffer(backend), sizeOf(inputs['value']!.shape),
    at(inputs['value']!), at(inputs['m']!), at(inputs['v']!), at(inputs['gradient']!),
    at(outputs[0]), at(outputs[1]), at(outputs[2]),
    a.beta1, a.oneMinusBeta1, a.beta2, a.oneMinusBeta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, a.minusLearningRate,
  );
  return outputs as unknown as ReturnType<NativeKernelFunc>;
};
