import { DistilleryError } from '@distillery/core';

/** One field of a protobuf message, as read from the wire. */
export type ProtoField =
  | { readonly field: number; readonly wireType: 0; readonly value: bigint }
  | { readonly field: number; readonly wireType: 1; readonly value: Uint8Array }
  | { readonly field: number; readonly wireType: 2; readonly value: Uint8Array }
  | { readonly field: number; readonly wireType: 5; readonly value: Uint8Array };

/**
 * Splits a protobuf message into its fields (the inverse of ProtoWriter): enough to read the
 * graph of an ONNX file — PyTorch's or ours — without a protobuf library.
 */
export function readFields(bytes: Uint8Array, what = 'protobuf message'): ProtoField[] {
  const fields: ProtoField[] = [];
  let offset = 0;
  const fail = (reason: string): never => {
    throw new DistilleryError('E_MODEL_IO', `${what}: ${reason} at byte ${offset} of ${bytes.byteLength}; is it an ONNX file?`);
  };
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= bytes.byteLength) fail('truncated varint');
      const byte = bytes[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) fail('varint longer than 10 bytes');
    }
  };
  const take = (n: number): Uint8Array => {
    if (offset + n > bytes.byteLength) fail(`field of ${n} bytes runs past the end`);
    const slice = bytes.subarray(offset, offset + n);
    offset += n;
    return slice;
  };
  while (offset < bytes.byteLength) {
    const key = varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) fail('field number 0');
    if (wireType === 0) fields.push({ field, wireType, value: varint() });
    else if (wireType === 1) fields.push({ field, wireType, value: take(8) });
    else if (wireType === 2) fields.push({ field, wireType, value: take(Number(varint())) });
    else if (wireType === 5) fields.push({ field, wireType, value: take(4) });
    else fail(`unsupported wire type ${wireType}`);
  }
  return fields;
}

const utf8 = new TextDecoder();

export const asString = (f: ProtoField): string => (f.wireType === 2 ? utf8.decode(f.value) : '');

/** A signed int64 from a varint field. */
export const asInt = (f: ProtoField): number => (f.wireType === 0 ? Number(BigInt.asIntN(64, f.value)) : 0);

export const asFloat = (f: ProtoField): number =>
  f.wireType === 5 ? new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true) : 0;

/** A repeated int64 field, packed (one length-delimited run) or not (one varint per value). */
export function repeatedInts(fields: readonly ProtoField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wireType === 0) out.push(asInt(f));
    else if (f.wireType === 2) {
      const packed = readPackedVarints(f.value);
      out.push(...packed);
    }
  }
  return out;
}

/** A repeated float field, packed or not. */
export function repeatedFloats(fields: readonly ProtoField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wireType === 5) out.push(asFloat(f));
    else if (f.wireType === 2) {
      const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
      for (let i = 0; i + 4 <= f.value.byteLength; i += 4) out.push(view.getFloat32(i, true));
    }
  }
  return out;
}

function readPackedVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      out.push(Number(BigInt.asIntN(64, value)));
      value = 0n;
      shift = 0n;
    }
  }
  return out;
}
