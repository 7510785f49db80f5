/**
 * The part of the ONNX format Distillery writes and reads: one graph of tensor operators with
 * float32 weights (and int64 shape constants). Field numbers follow onnx/onnx.proto (proto2).
 */
export type OnnxTensor =
  | { readonly name: string; readonly dims: readonly number[]; readonly type: 'float32'; readonly data: Float32Array }
  | { readonly name: string; readonly dims: readonly number[]; readonly type: 'int64'; readonly data: readonly number[] };

export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: OnnxTensor };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, OnnxAttribute>>;
}

/** A graph input or output: a float32 tensor whose dimensions are sizes or symbolic names ('batch'). */
export interface OnnxValueInfo {
  readonly name: string;
  /** ONNX TensorProto.DataType (1 = float32). */
  readonly elemType: number;
  readonly shape: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  readonly irVersion: number;
  /** Version of the default ("ai.onnx") operator set. */
  readonly opsetVersion: number;
  readonly producerName: string;
  /** The producing tool's version (ModelProto.producer_version), when it says. */
  readonly producerVersion?: string;
  readonly graph: OnnxGraph;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

/** IR 8 and opset 17 (ONNX 1.12): read by every onnxruntime since 1.12 and by PyTorch 1.13's exporter. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export const FIELDS = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8, metadataProps: 14 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  attributeType: { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, doubleData: 10 },
  entry: { key: 1, value: 2 },
} as const;
