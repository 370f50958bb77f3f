// Weight files that would amplify: aliased safetensors ranges, a torch.save view that repeats
// one element a hundred million times, and a zip bomb are refused from what they declare,
// before anything is copied or inflated.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseWeightFile } from '../../src/weights/parse.js';
import { WeightFileError } from '../../src/weights/safetensors.js';

/** A safetensors file whose `count` tensors all name the same `bytes`-byte range. */
function aliasedSafetensors(count: number, bytes: number): Uint8Array {
  const header: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) header[`t${i}`] = { dtype: 'F32', shape: [bytes / 4], data_offsets: [0, bytes] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** Pickle (protocol 2) of {'w': _rebuild_tensor_v2(storage of 1 float, 0, (n,), (0,), False, OrderedDict())}. */
function stridedPickle(n: number): Uint8Array {
  const bytes: number[] = [0x80, 0x02, 0x7d]; // PROTO 2, EMPTY_DICT
  const text = (s: string) => [...new TextEncoder().encode(s)];
  const unicode = (s: string) => [0x58, s.length, 0, 0, 0, ...text(s)]; // BINUNICODE
  const global = (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)]; // GLOBAL
  const int32 = (v: number) => [0x4a, v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255]; // BININT
  bytes.push(...unicode('w'), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28); // MARK (args)
  bytes.push(0x28, ...unicode('storage'), ...global('torch', 'FloatStorage'), ...unicode('0'), ...unicode('cpu'));
  bytes.push(0x4b, 1, 0x74, 0x51); // BININT1 1, TUPLE, BINPERSID
  bytes.push(0x4b, 0, ...int32(n), 0x85, 0x4b, 0, 0x85, 0x89); // offset 0, (n,), (0,), False
  bytes.push(...global('collections', 'OrderedDict'), 0x29, 0x52); // OrderedDict()
  bytes.push(0x74, 0x52, 0x73, 0x2e); // TUPLE, REDUCE, SETITEM, STOP
  return new Uint8Array(bytes);
}

describe('weight files that amplify', () => {
  it('refuses aliased safetensors ranges before copying any tensor', () => {
    const file = aliasedSafetensors(200, 4 * 2 ** 20);
    const start = performance.now();
    expect(() => parseWeightFile(file, 'aliased.safetensors', '')).toThrow(
      /aliased\.safetensors: tensors 't\d+' and 't\d+' overlap/,
    );
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('refuses a .pth view with more elements than its storage (a zero stride)', () => {
    const file = zipSync(
      { 'archive/data.pkl': stridedPickle(100_000_000), 'archive/data/0': new Uint8Array(4) },
      { level: 0 },
    );
    expect(file.length).toBeLessThan(2048);
    expect(() => parseWeightFile(file, 'strided.pth', '')).toThrow(WeightFileError);
    expect(() => parseWeightFile(file, 'strided.pth', '')).toThrow(
      /strided\.pth: tensor view \[100000000\] \(strides \[0\]\) has more elements than its storage data\/0 \(1\)/,
    );
  });

  it('refuses a zip bomb from its declared sizes, before inflating it', () => {
    const bomb = zipSync({ 'archive/data.pkl': new Uint8Array(64 * 2 ** 20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(() => parseWeightFile(bomb, 'bomb.pth', '')).toThrow(
      /bomb\.pth: zip entries declare \d+ bytes from a \d+-byte archive/,
    );
  });
});
