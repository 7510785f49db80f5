import { DistilleryError, tf } from '@distillery/core';
import type { OnnxAttribute, OnnxGraph, OnnxNode } from './onnx-model.js';

/** A value inside the graph: a float tensor, or an int64 constant (shapes, axes) kept in JS. */
type Value = tf.Tensor | readonly number[];

/** The ONNX ops the TensorFlow.js runtime runs: what Distillery exports, and small PyTorch MLPs and CNNs. */
export const TFJS_ONNX_OPS = [
  'Add', 'AveragePool', 'BatchNormalization', 'Constant', 'Conv', 'Div', 'Dropout', 'Elu', 'Flatten', 'Gemm',
  'GlobalAveragePool', 'Identity', 'LeakyRelu', 'MatMul', 'MaxPool', 'Mul', 'Relu', 'Reshape', 'Selu', 'Sigmoid',
  'Softplus', 'Sub', 'Tanh', 'Transpose',
] as const;

/**
 * Runs an ONNX graph with TensorFlow.js ops: the tfjs runtime of an ONNX teacher, used where
 * ORT is not (in the training thread, in online-teacher mode, without onnxruntime-node).
 * Tensors are NCHW as ONNX defines them; convolutions and pooling transpose around tfjs'
 * channels-last kernels. Weights become tensors once, on first use.
 */
export class TfjsOnnxGraph {
  /** Ops of this graph that the tfjs runtime cannot run (ORT runs them). */
  readonly unsupported: readonly string[];
  private weights: Map<string, Value> | undefined;

  constructor(
    readonly graph: OnnxGraph,
    private readonly source: string,
  ) {
    this.unsupported = [...new Set(graph.nodes.map((n) => n.opType).filter((op) => !(TFJS_ONNX_OPS as readonly string[]).includes(op)))];
  }

  /** Runs the graph on one input; the caller owns the result (call inside tf.tidy). */
  run(input: tf.Tensor, inputName: string, outputName: string): tf.Tensor {
    return this.runWithValues(input, inputName, outputName, []).output;
  }

  /**
   * `run`, also returning the graph values named in `wanted` (node outputs: the teacher's
   * intermediate tensors, NCHW as ONNX computes them). `'*'` asks for every float node output.
   */
  runWithValues(input: tf.Tensor, inputName: string, outputName: string, wanted: readonly string[]): { output: tf.Tensor; values: Record<string, tf.Tensor> } {
    if (this.unsupported.length > 0) {
      throw new DistilleryError(
        'E_MODEL_IO',
        `${this.source}: ops ${this.unsupported.join(', ')} have no TensorFlow.js version in Distillery; run this teacher on onnxruntime-node (generateSoftLabels with a pool)`,
      );
    }
    const all = wanted.includes('*');
    const picked = new Set(wanted);
    const kept: Record<string, tf.Tensor> = {};
    const values = new Map<string, Value>(this.constants());
    values.set(inputName, input);
    for (const node of this.graph.nodes) {
      const args = node.inputs.map((name) => (name === '' ? undefined : values.get(name)));
      const outputs = runNode(node, args, this.source);
      node.outputs.forEach((name, i) => {
        const value = outputs[i];
        if (value === undefined) return;
        values.set(name, value);
        if ((all || picked.has(name)) && !Array.isArray(value)) kept[name] = value as tf.Tensor;
      });
    }
    const output = values.get(outputName);
    if (output === undefined || Array.isArray(output)) throw new DistilleryError('E_MODEL_IO', `${this.source}: the graph did not compute its output ${outputName}`);
    return { output: output as tf.Tensor, values: kept };
  }

  dispose(): void {
    for (const value of this.weights?.values() ?? []) if (!Array.isArray(value)) (value as tf.Tensor).dispose();
    this.weights = undefined;
  }

  private constants(): Map<string, Value> {
    this.weights ??= new Map(
      this.graph.initializers.map((t) => [t.name, t.type === 'float32' ? tf.keep(tf.tensor(t.data, [...t.dims], 'float32')) : t.data] as const),
    );
    return this.weights;
  }
}

function runNode(node: OnnxNode, args: (Value | undefined)[], source: string): (Value | undefined)[] {
  const at = (name: string): OnnxAttribute | undefined => node.attributes?.[name];
  const int = (name: string, fallback: number) => {
    const a = at(name);
    return a?.type === 'int' ? a.value : fallback;
  };
  const float = (name: string, fallback: number) => {
    const a = at(name);
    return a?.type === 'float' ? a.value : fallback;
  };
  const ints = (name: string): readonly number[] | undefined => {
    const a = at(name);
    return a?.type === 'ints' ? a.value : undefined;
  };
  const fail = (why: string): never => {
    throw new DistilleryError('E_MODEL_IO', `${source}: node ${node.name ?? node.opType} (${node.opType}): ${why}`);
  };
  const tensor = (i: number): tf.Tensor => {
    const v = args[i];
    if (v === undefined) return fail(`input ${i} is missing`);
    return Array.isArray(v) ? tf.tensor(v as number[], [v.length], 'float32') : (v as tf.Tensor);
  };
  const constant = (i: number): readonly number[] => {
    const v = args[i];
    if (!Array.isArray(v)) return fail(`input ${i} must be a constant int64 tensor`);
    return v as readonly number[];
  };
  switch (node.opType) {
    case 'Identity':
    case 'Dropout':
      return [args[0]];
    case 'Constant': {
      const value = at('value');
      if (value?.type !== 'tensor') return fail('only tensor constants are supported');
      const t = value.value;
      return [t.type === 'float32' ? tf.tensor(t.data, [...t.dims], 'float32') : t.data];
    }
    case 'Add':
      return [tf.add(tensor(0), tensor(1))];
    case 'Sub':
      return [tf.sub(tensor(0), tensor(1))];
    case 'Mul':
      return [tf.mul(tensor(0), tensor(1))];
    case 'Div':
      return [tf.div(tensor(0), tensor(1))];
    case 'MatMul':
      return [tf.matMul(tensor(0) as tf.Tensor2D, tensor(1) as tf.Tensor2D)];
    case 'Gemm': {
      let y = tf.matMul(tensor(0) as tf.Tensor2D, tensor(1) as tf.Tensor2D, int('transA', 0) === 1, int('transB', 0) === 1) as tf.Tensor;
      const alpha = float('alpha', 1);
      if (alpha !== 1) y = tf.mul(y, alpha);
      if (args[2] !== undefined) y = tf.add(y, tf.mul(tensor(2), float('beta', 1)));
      return [y];
    }
    case 'Relu':
      return [tf.relu(tensor(0))];
    case 'LeakyRelu':
      return [tf.leakyRelu(tensor(0), float('alpha', 0.01))];
    case 'Elu': {
      const alpha = float('alpha', 1);
      const x = tensor(0);
      return [alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), alpha))];
    }
    case 'Selu': {
      const x = tensor(0);
      const alpha = float('alpha', 1.67326319217681884765625);
      const gamma = float('gamma', 1.05070102214813232421875);
      return [tf.mul(tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), alpha)), gamma)];
    }
    case 'Sigmoid':
      return [tf.sigmoid(tensor(0))];
    case 'Tanh':
      return [tf.tanh(tensor(0))];
    case 'Softplus':
      return [tf.softplus(tensor(0))];
    case 'Transpose': {
      const perm = ints('perm');
      return [tf.transpose(tensor(0), perm === undefined ? undefined : [...perm])];
    }
    case 'Flatten': {
      const x = tensor(0);
      const axis = int('axis', 1) < 0 ? x.rank + int('axis', 1) : int('axis', 1);
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      return [tf.reshape(x, [outer, -1])];
    }
    case 'Reshape': {
      const x = tensor(0);
      const shape = constant(1).map((d, i) => (d === 0 && int('allowzero', 0) === 0 ? x.shape[i]! : d));
      return [tf.reshape(x, shape)];
    }
    case 'BatchNormalization': {
      const x = tensor(0);
      const perChannel = (t: tf.Tensor) => (x.rank === 4 ? tf.reshape(t, [-1, 1, 1]) : t);
      const scale = tf.div(tensor(1), tf.sqrt(tf.add(tensor(4), float('epsilon', 1e-5))));
      const shift = tf.sub(tensor(2), tf.mul(tensor(3), scale));
      return [tf.add(tf.mul(x, perChannel(scale)), perChannel(shift))];
    }
    case 'GlobalAveragePool':
      return [tf.mean(tensor(0), [2, 3], true)];
    case 'Conv':
      return [conv(node, tensor(0), tensor(1), args[2] === undefined ? undefined : tensor(2), ints, int, fail)];
    case 'MaxPool':
    case 'AveragePool':
      return [pool(node, tensor(0), ints, int, fail)];
    default:
      return fail('not supported by the TensorFlow.js runtime');
  }
}

type Ints = (name: string) => readonly number[] | undefined;
type Int = (name: string, fallback: number) => number;
type Fail = (why: string) => never;

/** [[top, bottom], [left, right]] from ONNX pads and auto_pad, for an NHWC input. */
function explicitPads(node: OnnxNode, x: tf.Tensor, kernel: readonly number[], strides: readonly number[], dilations: readonly number[], ints: Ints, fail: Fail): [number, number][] {
  const autoPad = node.attributes?.['auto_pad'];
  const mode = autoPad?.type === 'string' ? autoPad.value : 'NOTSET';
  if (mode === 'NOTSET') {
    const pads = ints('pads') ?? [0, 0, 0, 0];
    return [
      [pads[0]!, pads[2]!],
      [pads[1]!, pads[3]!],
    ];
  }
  if (mode === 'VALID') return [[0, 0], [0, 0]];
  if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER') return fail(`auto_pad ${mode}`);
  return [1, 2].map((axis, i) => {
    const size = x.shape[axis]!;
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const total = Math.max((Math.ceil(size / strides[i]!) - 1) * strides[i]! + span - size, 0);
    const small = Math.floor(total / 2);
    return mode === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  }) as [number, number][];
}

function conv(node: OnnxNode, xNchw: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | undefined, ints: Ints, int: Int, fail: Fail): tf.Tensor {
  if (int('group', 1) !== 1) fail('grouped convolutions are not supported');
  if (xNchw.rank !== 4) fail('only 2-D convolutions are supported');
  const x = tf.transpose(xNchw, [0, 2, 3, 1]) as tf.Tensor4D;
  const kernel = [w.shape[2]!, w.shape[3]!];
  const strides = ints('strides') ?? [1, 1];
  const dilations = ints('dilations') ?? [1, 1];
  const [ph, pw] = explicitPads(node, x, kernel, strides, dilations, ints, fail);
  const filter = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
  let y: tf.Tensor = tf.conv2d(x, filter, [strides[0]!, strides[1]!], [[0, 0], ph!, pw!, [0, 0]], 'NHWC', [dilations[0]!, dilations[1]!]);
  if (bias !== undefined) y = tf.add(y, bias);
  return tf.transpose(y, [0, 3, 1, 2]);
}

function pool(node: OnnxNode, xNchw: tf.Tensor, ints: Ints, int: Int, fail: Fail): tf.Tensor {
  if (xNchw.rank !== 4) fail('only 2-D pooling is supported');
  if (int('ceil_mode', 0) !== 0) fail('ceil_mode = 1 is not supported');
  const kernel = ints('kernel_shape') ?? fail('kernel_shape is missing');
  const strides = ints('strides') ?? [1, 1];
  const dilations = ints('dilations') ?? [1, 1];
  if (dilations.some((d) => d !== 1)) fail('dilated pooling is not supported');
  const x = tf.transpose(xNchw, [0, 2, 3, 1]) as tf.Tensor4D;
  const [ph, pw] = explicitPads(node, x, kernel, strides, dilations, ints, fail);
  const padding: [number, number][] = [[0, 0], ph!, pw!, [0, 0]];
  const padded = ph![0] + ph![1] + pw![0] + pw![1] > 0;
  const window: [number, number] = [kernel[0]!, kernel[1]!];
  const step: [number, number] = [strides[0]!, strides[1]!];
  let y: tf.Tensor;
  if (node.opType === 'MaxPool') {
    y = tf.maxPool(padded ? (tf.pad(x, padding, -Infinity) as tf.Tensor4D) : x, window, step, 'valid');
  } else {
    const sum = tf.avgPool(padded ? (tf.pad(x, padding) as tf.Tensor4D) : x, window, step, 'valid');
    if (!padded || int('count_include_pad', 0) === 1) y = sum;
    else {
      // Average over the window's cells inside the image: divide by the share of real cells.
      const ones = tf.pad(tf.ones([1, x.shape[1], x.shape[2], 1]), padding) as tf.Tensor4D;
      y = tf.div(sum, tf.avgPool(ones, window, step, 'valid'));
    }
  }
  return tf.transpose(y, [0, 3, 1, 2]);
}
