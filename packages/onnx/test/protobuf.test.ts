import { describe, expect, it } from 'vitest';
import { ProtoWriter, readFields } from '../src/index.js';

describe('ProtoWriter and readFields', () => {
  it('writes the encoding guide examples byte for byte', () => {
    // protobuf.dev's encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
    expect([...new ProtoWriter().varint(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  });

  it('reads back varints (negative int64 too), floats, strings and nested messages', () => {
    const bytes = new ProtoWriter()
      .varint(1, -3)
      .float(2, 1.5)
      .message(3, (m) => m.string(1, 'inner').varint(2, 2 ** 40))
      .finish();
    const [a, b, c] = readFields(bytes);
    expect(a).toMatchObject({ field: 1, wireType: 0 });
    expect(BigInt.asIntN(64, a!.value as bigint)).toBe(-3n);
    expect(new DataView((b!.value as Uint8Array).buffer, (b!.value as Uint8Array).byteOffset).getFloat32(0, true)).toBe(1.5);
    const inner = readFields(c!.value as Uint8Array);
    expect(new TextDecoder().decode(inner[0]!.value as Uint8Array)).toBe('inner');
    expect(inner[1]!.value).toBe(BigInt(2 ** 40));
  });

  it('refuses truncated input with an error that names the place', () => {
    const bytes = new ProtoWriter().string(1, 'hello').finish().subarray(0, 4);
    expect(() => readFields(bytes, 'model.onnx')).toThrow(/model\.onnx: field of 5 bytes runs past the end/);
  });
});
