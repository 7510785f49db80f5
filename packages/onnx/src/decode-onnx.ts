import { DistilleryError } from '@distillery/core';
import { FIELDS, ONNX_FLOAT, ONNX_INT64, type OnnxAttribute, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-model.js';
import { asFloat, asInt, asString, readFields, repeatedFloats, repeatedInts, type ProtoField } from './protobuf-reader.js';

/**
 * Reads an ONNX ModelProto: the graph's nodes, weights, inputs and outputs. Enough to check a
 * teacher against a dataset before anything runs, and to run its graph on TensorFlow.js.
 * `source` names the file in errors.
 */
export function decodeOnnxModel(bytes: Uint8Array, source = 'ONNX model'): OnnxModel {
  const fields = readFields(bytes, source);
  const f = FIELDS.model;
  const graphField = fields.find((x) => x.field === f.graph && x.wireType === 2);
  if (graphField === undefined) throw new DistilleryError('E_MODEL_IO', `${source}: no graph found; is it an ONNX model file?`);
  let opsetVersion = 0;
  for (const o of fields.filter((x) => x.field === f.opsetImport)) {
    const opset = sub(o, source);
    const domain = opset.find((x) => x.field === FIELDS.opset.domain);
    const version = opset.find((x) => x.field === FIELDS.opset.version);
    if ((domain === undefined || asString(domain) === '' || asString(domain) === 'ai.onnx') && version !== undefined) opsetVersion = asInt(version);
  }
  const metadata: Record<string, string> = {};
  for (const e of fields.filter((x) => x.field === f.metadataProps)) {
    const entry = sub(e, source);
    metadata[text(entry, FIELDS.entry.key)] = text(entry, FIELDS.entry.value);
  }
  const ir = fields.find((x) => x.field === f.irVersion);
  return {
    irVersion: ir === undefined ? 0 : asInt(ir),
    opsetVersion,
    producerName: text(fields, f.producerName),
    producerVersion: text(fields, f.producerVersion),
    graph: decodeGraph(sub(graphField, source), source),
    metadata,
  };
}

function decodeGraph(fields: ProtoField[], source: string): OnnxGraph {
  const f = FIELDS.graph;
  return {
    name: text(fields, f.name),
    nodes: fields.filter((x) => x.field === f.node).map((x) => decodeNode(sub(x, source), source)),
    initializers: fields.filter((x) => x.field === f.initializer).map((x) => decodeTensor(sub(x, source), source)),
    inputs: fields.filter((x) => x.field === f.input).map((x) => decodeValueInfo(sub(x, source), source)),
    outputs: fields.filter((x) => x.field === f.output).map((x) => decodeValueInfo(sub(x, source), source)),
  };
}

function decodeNode(fields: ProtoField[], source: string): OnnxNode {
  const f = FIELDS.node;
  const attributes: Record<string, OnnxAttribute> = {};
  for (const a of fields.filter((x) => x.field === f.attribute)) {
    const [name, attribute] = decodeAttribute(sub(a, source), source);
    if (attribute !== undefined) attributes[name] = attribute;
  }
  const name = text(fields, f.name);
  return {
    opType: text(fields, f.opType),
    inputs: fields.filter((x) => x.field === f.input).map(asString),
    outputs: fields.filter((x) => x.field === f.output).map(asString),
    ...(name === '' ? {} : { name }),
    attributes,
  };
}

function decodeAttribute(fields: ProtoField[], source: string): [string, OnnxAttribute | undefined] {
  const f = FIELDS.attribute;
  const t = FIELDS.attributeType;
  const name = text(fields, f.name);
  const typeField = fields.find((x) => x.field === f.type);
  const type = typeField === undefined ? 0 : asInt(typeField);
  const one = (field: number) => fields.find((x) => x.field === field);
  switch (type) {
    case t.int:
      return [name, { type: 'int', value: asInt(one(f.i) ?? { field: f.i, wireType: 0, value: 0n }) }];
    case t.ints:
      return [name, { type: 'ints', value: repeatedInts(fields, f.ints) }];
    case t.float: {
      const v = one(f.f);
      return [name, { type: 'float', value: v === undefined ? 0 : asFloat(v) }];
    }
    case t.floats:
      return [name, { type: 'floats', value: repeatedFloats(fields, f.floats) }];
    case t.string:
      return [name, { type: 'string', value: text(fields, f.s) }];
    case t.tensor: {
      const v = one(f.t);
      return [name, v === undefined ? undefined : { type: 'tensor', value: decodeTensor(sub(v, source), source) }];
    }
    default:
      // Graph, sparse-tensor and type attributes belong to ops Distillery does not run on tfjs.
      return [name, undefined];
  }
}

function decodeTensor(fields: ProtoField[], source: string): OnnxTensor {
  const f = FIELDS.tensor;
  const name = text(fields, f.name);
  const dims = repeatedInts(fields, f.dims);
  const typeField = fields.find((x) => x.field === f.dataType);
  const dataType = typeField === undefined ? 0 : asInt(typeField);
  const count = dims.reduce((a, b) => a * b, 1);
  const rawField = fields.find((x) => x.field === f.rawData && x.wireType === 2);
  const raw = rawField?.wireType === 2 ? rawField.value : undefined;
  if (dataType === ONNX_FLOAT) {
    let data: Float32Array;
    if (raw !== undefined) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      data = Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    } else data = Float32Array.from(repeatedFloats(fields, f.floatData));
    if (data.length !== count) throw new DistilleryError('E_MODEL_IO', `${source}: tensor ${name} has ${data.length} values for dims [${dims.join(', ')}]`);
    return { name, dims, type: 'float32', data };
  }
  if (dataType === ONNX_INT64) {
    let data: number[];
    if (raw !== undefined) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      data = Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    } else data = repeatedInts(fields, f.int64Data);
    return { name, dims, type: 'int64', data };
  }
  throw new DistilleryError('E_MODEL_IO', `${source}: tensor ${name} has ONNX data type ${dataType}; Distillery reads float32 and int64 tensors`);
}

function decodeValueInfo(fields: ProtoField[], source: string): OnnxValueInfo {
  const name = text(fields, FIELDS.valueInfo.name);
  const type = fields.find((x) => x.field === FIELDS.valueInfo.type);
  const tensorType = type === undefined ? undefined : sub(type, source).find((x) => x.field === FIELDS.type.tensorType);
  if (tensorType === undefined) return { name, elemType: 0, shape: [] };
  const tt = sub(tensorType, source);
  const elem = tt.find((x) => x.field === FIELDS.tensorType.elemType);
  const shapeField = tt.find((x) => x.field === FIELDS.tensorType.shape);
  const shape = (shapeField === undefined ? [] : sub(shapeField, source).filter((x) => x.field === FIELDS.shape.dim)).map((d) => {
    const dim = sub(d, source);
    const value = dim.find((x) => x.field === FIELDS.dim.value);
    return value !== undefined ? asInt(value) : text(dim, FIELDS.dim.param) || '?';
  });
  return { name, elemType: elem === undefined ? 0 : asInt(elem), shape };
}

function sub(field: ProtoField, source: string): ProtoField[] {
  if (field.wireType !== 2) throw new DistilleryError('E_MODEL_IO', `${source}: field ${field.field} should be a message`);
  return readFields(field.value, source);
}

function text(fields: readonly ProtoField[], field: number): string {
  const found = fields.find((x) => x.field === field);
  return found === undefined ? '' : asString(found);
}
