/**
 * The safetensors reader/writer: round trips, the byte layout of the format, dtypes other than
 * F32, and malformed files (each rejected with a message naming the problem). Files written by
 * Python (the runtime's `save_safetensors`) and read back by Python are covered by
 * test/backends/pytorch/.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsFormatError } from '../../src/weights/safetensors.js';

/** A file from a header object and raw data bytes, as another writer would produce it. */
function file(header: object, data: number[] | Uint8Array = [], pad = 0): Uint8Array {
  const json = Buffer.from(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips float32 tensors, shapes (scalars and empty tensors too) and metadata', () => {
    const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = [
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, Infinity]) }],
      ['scalar', { shape: [], data: Float32Array.from([42]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ];
    const bytes = encodeSafetensors(tensors, { model: 'Tiny', note: 'é ünïcode' });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ model: 'Tiny', note: 'é ünïcode' });
    expect([...back.tensors.keys()]).toEqual(['a.weight', 'scalar', 'empty']);
    for (const [name, t] of tensors) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe('F32');
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
  });

  it('writes the layout of the format: u64 LE header length, JSON padded to 8 bytes, LE data in order', () => {
    const bytes = encodeSafetensors([['x', { shape: [2], data: Float32Array.from([1, 2]) }], ['y', { shape: [1], data: Float32Array.from([3]) }]]);
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
    expect(header).toEqual({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } });
    expect(bytes.length).toBe(8 + n + 12);
    expect([view.getFloat32(8 + n, true), view.getFloat32(8 + n + 4, true), view.getFloat32(8 + n + 8, true)]).toEqual([1, 2, 3]);
  });

  it('reads F16, BF16, F64 and integer tensors as float32 values', () => {
    const f16 = [0x3c00, 0xc000, 0x0001, 0x7c00]; // 1, -2, smallest subnormal, +inf
    const bf16 = [0x3f80, 0x4049]; // 1, 3.140625
    const data = new Uint8Array(8 + 4 + 8 + 16);
    const v = new DataView(data.buffer);
    f16.forEach((h, i) => v.setUint16(2 * i, h, true));
    bf16.forEach((h, i) => v.setUint16(8 + 2 * i, h, true));
    v.setFloat64(12, 0.1, true);
    v.setBigInt64(20, -7n, true);
    v.setBigInt64(28, 9n, true);
    const t = decodeSafetensors(file({
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
      d: { dtype: 'F64', shape: [1], data_offsets: [12, 20] },
      i: { dtype: 'I64', shape: [2], data_offsets: [20, 36] },
    }, data)).tensors;
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2, Math.fround(2 ** -24), Infinity]);
    expect(Array.from(t.get('b')!.data)).toEqual([1, 3.140625]);
    expect(t.get('d')!.data[0]).toBe(Math.fround(0.1));
    expect(Array.from(t.get('i')!.data)).toEqual([-7, 9]);
    expect(t.get('i')!.dtype).toBe('I64');
  });

  it('accepts a header padded with spaces and tensors stored out of name order', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 5, true);
    new DataView(data.buffer).setFloat32(4, 6, true);
    const t = decodeSafetensors(file({ z: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data, 5)).tensors;
    expect(t.get('a')!.data[0]).toBe(6);
    expect(t.get('z')!.data[0]).toBe(5);
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['a file shorter than the length field', new Uint8Array(5), /fewer than the 8-byte header length/],
    ['a header length beyond the file', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; })(), /header length 1000 does not fit/],
    ['a header that is not JSON', (() => { const b = file({}); b[8] = 0x78; return b; })(), /not valid JSON/],
    ['a header that is a list', (() => { const j = Buffer.from('[1]'); const b = new Uint8Array(8 + j.length); new DataView(b.buffer).setBigUint64(0, BigInt(j.length), true); b.set(j, 8); return b; })(), /not a JSON object/],
    ['an unknown dtype', file({ x: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, [0]), /unsupported dtype "F8"/],
    ['a negative dimension', file({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /invalid shape/],
    ['offsets that disagree with the shape', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /needs 8 bytes, but its data_offsets span 4/],
    ['a truncated file', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0]), /truncated/],
    ['overlapping tensors', file({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /`x` and `y` overlap/],
    ['metadata that is not strings', file({ __metadata__: { n: 1 } }), /metadata `n` is not a string/],
  ];
  it.each(bad)('rejects %s', (_what, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsFormatError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => encodeSafetensors([['x', { shape: [3], data: new Float32Array(2) }]])).toThrow(/shape \[3\] but 2 values/);
    expect(() => encodeSafetensors([['__metadata__', { shape: [1], data: new Float32Array(1) }]])).toThrow(/__metadata__/);
  });
});
