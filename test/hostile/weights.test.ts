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

/**
 * Pickle (protocol 2) of {'w0': _rebuild_tensor_v2(storage '0' of `numel` floats, 0, (n,),
 * (stride,), False, OrderedDict()), 'w1': the same, ...}, `entries` of them.
 */
function viewsPickle(n: number, stride: number, numel: number, entries = 1): Uint8Array {
  const bytes: number[] = [0x80, 0x02, 0x7d]; // PROTO 2, EMPTY_DICT
  const text = (s: string) => [...new TextEncoder().encode(s)];
  const unicode = (s: string) => [0x58, s.length, 0, 0, 0, ...text(s)]; // BINUNICODE
  const global = (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)]; // GLOBAL
  const int32 = (v: number) => [0x4a, v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255]; // BININT
  for (let i = 0; i < entries; i++) {
    bytes.push(...unicode(`w${i}`), ...global('torch._utils', '_rebuild_tensor_v2'), 0x28); // MARK (args)
    bytes.push(0x28, ...unicode('storage'), ...global('torch', 'FloatStorage'), ...unicode('0'), ...unicode('cpu'));
    bytes.push(...int32(numel), 0x74, 0x51); // numel, TUPLE, BINPERSID
    bytes.push(0x4b, 0, ...int32(n), 0x85, ...int32(stride), 0x85, 0x89); // offset 0, (n,), (stride,), False
    bytes.push(...global('collections', 'OrderedDict'), 0x29, 0x52); // OrderedDict()
    bytes.push(0x74, 0x52, 0x73); // TUPLE, REDUCE, SETITEM
  }
  bytes.push(0x2e); // STOP
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
      { 'archive/data.pkl': viewsPickle(100_000_000, 0, 1), 'archive/data/0': new Uint8Array(4) },
      { level: 0 },
    );
    expect(file.length).toBeLessThan(2048);
    expect(() => parseWeightFile(file, 'strided.pth', '')).toThrow(WeightFileError);
    expect(() => parseWeightFile(file, 'strided.pth', '')).toThrow(
      /strided\.pth: its tensors declare 400000000 bytes of views over 4 bytes of storage/,
    );
    // Within the budget but past its storage: the view itself is refused.
    const small = zipSync({ 'archive/data.pkl': viewsPickle(1000, 0, 1), 'archive/data/0': new Uint8Array(4) });
    expect(() => parseWeightFile(small, 'strided.pth', '')).toThrow(
      /strided\.pth: tensor view \[1000\] \(strides \[0\]\) has more elements than its storage data\/0 \(1\)/,
    );
  });

  it('refuses 2000 state_dict entries viewing one 4 MB storage, from what they declare, before copying', () => {
    const numel = 2 ** 20;
    const file = zipSync(
      { 'archive/data.pkl': viewsPickle(numel, 1, numel, 2000), 'archive/data/0': new Uint8Array(4 * numel) },
      { level: 0 },
    );
    const before = process.memoryUsage().rss;
    const start = performance.now();
    expect(() => parseWeightFile(file, 'aliases.pth', '')).toThrow(
      /aliases\.pth: its tensors declare 8388608000 bytes of views over 4194304 bytes of storage \(aliases/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
  });

  it('refuses a zip bomb from its declared sizes, before inflating it', () => {
    const bomb = zipSync({ 'archive/data.pkl': new Uint8Array(64 * 2 ** 20) }, { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(() => parseWeightFile(bomb, 'bomb.pth', '')).toThrow(
      /bomb\.pth: zip entries declare \d+ bytes from a \d+-byte archive/,
    );
  });
});
