import { FIELDS, ONNX_FLOAT, ONNX_INT64, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-model.js';
import { ProtoWriter } from './protobuf-writer.js';

/** An ONNX ModelProto's bytes: what `onnxruntime` and every ONNX tool read. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const f = FIELDS.model;
  const w = new ProtoWriter()
    .varint(f.irVersion, model.irVersion)
    .string(f.producerName, model.producerName);
  if (model.producerVersion !== undefined) w.string(f.producerVersion, model.producerVersion);
  w.message(f.graph, (g) => writeGraph(g, model))
    .message(f.opsetImport, (o) => o.string(FIELDS.opset.domain, '').varint(FIELDS.opset.version, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(f.metadataProps, (e) => e.string(FIELDS.entry.key, key).string(FIELDS.entry.value, value));
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, model: OnnxModel): void {
  const f = FIELDS.graph;
  const { graph } = model;
  for (const node of graph.nodes) w.message(f.node, (n) => writeNode(n, node));
  w.string(f.name, graph.name);
  for (const tensor of graph.initializers) w.message(f.initializer, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(f.input, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(f.output, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  const f = FIELDS.node;
  for (const input of node.inputs) w.string(f.input, input);
  for (const output of node.outputs) w.string(f.output, output);
  if (node.name !== undefined) w.string(f.name, node.name);
  w.string(f.opType, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) w.message(f.attribute, (a) => writeAttribute(a, name, attribute));
}

function writeAttribute(w: ProtoWriter, name: string, attribute: OnnxAttribute): void {
  const f = FIELDS.attribute;
  const type = FIELDS.attributeType;
  w.string(f.name, name);
  // proto2 repeated scalars are unpacked by default: one field per value.
  switch (attribute.type) {
    case 'int':
      w.varint(f.i, attribute.value).varint(f.type, type.int);
      break;
    case 'ints':
      for (const v of attribute.value) w.varint(f.ints, v);
      w.varint(f.type, type.ints);
      break;
    case 'float':
      w.float(f.f, attribute.value).varint(f.type, type.float);
      break;
    case 'floats':
      for (const v of attribute.value) w.float(f.floats, v);
      w.varint(f.type, type.floats);
      break;
    case 'string':
      w.string(f.s, attribute.value).varint(f.type, type.string);
      break;
    case 'tensor':
      w.message(f.t, (t) => writeTensor(t, attribute.value)).varint(f.type, type.tensor);
      break;
  }
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  const f = FIELDS.tensor;
  for (const d of tensor.dims) w.varint(f.dims, d);
  w.varint(f.dataType, tensor.type === 'float32' ? ONNX_FLOAT : ONNX_INT64);
  w.string(f.name, tensor.name);
  // raw_data is little-endian, like every machine Node runs on; written explicitly all the same.
  const raw =
    tensor.type === 'float32'
      ? littleEndian(tensor.data, 4, (view, at, v) => view.setFloat32(at, v, true))
      : littleEndian(tensor.data, 8, (view, at, v) => view.setBigInt64(at, BigInt(v), true));
  w.bytes(f.rawData, raw);
}

function littleEndian(values: ArrayLike<number>, width: number, set: (view: DataView, at: number, value: number) => void): Uint8Array {
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) set(view, i * width, values[i]!);
  return raw;
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(FIELDS.valueInfo.name, info.name);
  w.message(FIELDS.valueInfo.type, (t) =>
    t.message(FIELDS.type.tensorType, (tt) =>
      tt.varint(FIELDS.tensorType.elemType, info.elemType).message(FIELDS.tensorType.shape, (s) => {
        for (const d of info.shape) {
          s.message(FIELDS.shape.dim, (dim) => (typeof d === 'number' ? dim.varint(FIELDS.dim.value, d) : dim.string(FIELDS.dim.param, d)));
        }
      }),
    ),
  );
}
