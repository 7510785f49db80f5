import { DistilleryError } from '@distillery/core';

/** A graph input or output as ORT's session metadata or the ONNX file describe it. */
export interface OnnxValueShape {
  readonly name: string;
  /** Sizes, or symbolic names for dynamic dimensions ('batch'). */
  readonly shape: readonly (number | string)[];
}

/**
 * How a dataset's examples reach the model's input:
 * - `as-is`: the model takes the dataset's example shape;
 * - `nchw`: images [h, w, c] transposed to [c, h, w] (PyTorch's convolution layout);
 * - `flatten`: examples flattened to a vector (an MLP that takes [batch, h·w·c]).
 */
export type InputLayout = 'as-is' | 'nchw' | 'flatten';

export interface OnnxInputPlan {
  readonly inputName: string;
  readonly outputName: string;
  readonly layout: InputLayout;
  /** The model input's shape for `n` examples. */
  readonly feedShape: (n: number) => number[];
}

export interface OnnxDataShape {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly name?: string;
}

/**
 * Checks an ONNX model's one input and one output against the data it will label, and says how
 * examples reach the input. Errors name the input or output, the expected and found shapes,
 * and the class counts.
 */
export function planOnnxInput(
  inputs: readonly OnnxValueShape[],
  outputs: readonly OnnxValueShape[],
  data: OnnxDataShape,
  source: string,
  requested?: InputLayout,
): OnnxInputPlan {
  const dataName = data.name === undefined ? 'the dataset' : `dataset ${data.name}`;
  const fail = (message: string): never => {
    throw new DistilleryError('E_SHAPE', `${source}: ${message}`);
  };
  if (inputs.length !== 1) fail(`expected one input (a batch of examples), found ${inputs.length}: ${inputs.map(show).join(', ')}`);
  if (outputs.length !== 1) fail(`expected one output (logits [batch, classes]), found ${outputs.length}: ${outputs.map(show).join(', ')}`);
  const input = inputs[0]!;
  const output = outputs[0]!;

  if (output.shape.length !== 2) fail(`output ${show(output)} should be logits [batch, classes]`);
  const classes = output.shape[1];
  if (typeof classes === 'number' && classes !== data.numClasses) {
    fail(`output ${show(output)} gives ${classes} classes but ${dataName} has ${data.numClasses}`);
  }

  const [batch, ...example] = input.shape;
  if (input.shape.length === 0) fail(`input ${show(input)} has no shape`);
  if (typeof batch === 'number' && batch !== -1) {
    fail(`input ${show(input)} has a fixed batch size of ${batch}; export it with a dynamic batch axis (PyTorch: dynamic_axes={'${input.name}': {0: 'batch'}})`);
  }
  const [h, w, c] = data.inputShape;
  const candidates: Record<InputLayout, readonly number[]> = {
    'as-is': data.inputShape,
    nchw: data.inputShape.length === 3 ? [c!, h!, w!] : [],
    flatten: [data.inputShape.reduce((a, b) => a * b, 1)],
  };
  const fits = (shape: readonly number[]) => shape.length === example.length && example.every((d, i) => typeof d !== 'number' || d === shape[i]);
  const order: InputLayout[] = requested === undefined ? ['as-is', 'nchw', 'flatten'] : [requested];
  const layout = order.find((l) => candidates[l].length > 0 && fits(candidates[l]));
  if (layout === undefined) {
    const expected = `[batch, ${data.inputShape.join(', ')}]${data.inputShape.length === 3 ? ` (or [batch, ${candidates.nchw.join(', ')}] channels first, or [batch, ${candidates.flatten[0]}] flattened)` : ''}`;
    fail(`input ${show(input)} does not fit ${dataName}: expected ${expected}${requested === undefined ? '' : ` with layout ${requested}`}`);
  }
  const shape = candidates[layout!];
  return { inputName: input.name, outputName: output.name, layout: layout!, feedShape: (n) => [n, ...shape] };
}

const show = (v: OnnxValueShape) => `'${v.name}' [${v.shape.join(', ')}]`;

/**
 * Copies `n` examples into a fresh buffer in the model's layout. The copy is also what ORT
 * needs: it rejects tensors backed by a SharedArrayBuffer, which is how datasets reach workers.
 */
export function layoutBatch(x: Float32Array, n: number, dataShape: readonly number[], layout: InputLayout): Float32Array {
  if (layout !== 'nchw') return x.slice(0, n * dataShape.reduce((a, b) => a * b, 1));
  const [h, w, c] = dataShape as [number, number, number];
  const out = new Float32Array(n * h * w * c);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = x[base + p * c + ch]!;
  }
  return out;
}
