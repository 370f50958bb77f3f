// A state_dict written as torch.save writes it (>= 1.6): a zip archive, stored uncompressed,
// holding `archive/data.pkl` (a protocol-2 pickle of an OrderedDict whose tensors are
// torch._utils._rebuild_tensor_v2 calls on persistent storages), each storage's raw
// little-endian bytes in `archive/data/<key>`, and `archive/version`. torch.load reads it, so
// the article's loading code (`model.load_state_dict(torch.load(path))`) works on it.
import { zipSync } from 'fflate';
import type { HostTensor, TensorMap } from '../weights/host-tensor.js';
import { elementCount } from '../util/shapes.js';

const STORAGE_CLASSES: Partial<Record<HostTensor['dtype'], string>> = {
  float32: 'FloatStorage',
  int64: 'LongStorage',
};

/** Pickle opcodes (protocol 2) as the writer below uses them. */
class PickleWriter {
  private parts: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  op(...codes: string[]): this {
    for (const c of codes) this.parts.push(c.charCodeAt(0));
    return this;
  }

  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.parts.push(bytes[i]);
    return this;
  }

  /** GLOBAL module\nname\n */
  global(module: string, name: string): this {
    return this.op('c').raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }

  /** BINUNICODE: a str. */
  str(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.op('X').u32(utf8.length).raw(utf8);
  }

  /** BININT (or LONG1 beyond 32 bits): an int. */
  int(n: number): this {
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      this.op('J');
      return this.u32(n >>> 0);
    }
    // LONG1: little-endian two's complement, length-prefixed.
    const out: number[] = [];
    let v = BigInt(n);
    do {
      out.push(Number(v & 0xffn));
      v >>= 8n;
    } while (v !== 0n && v !== -1n);
    return this.op('\x8a').raw([out.length, ...out]);
  }

  private u32(n: number): this {
    return this.raw([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
  }

  tuple(items: readonly number[]): this {
    if (!items.length) return this.op(')');
    this.op('(');
    for (const n of items) this.int(n);
    return this.op('t');
  }
}

/** Contiguous strides of a shape, in elements. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/** torch.save's bytes of an OrderedDict of tensors (float32 and int64), in the map's order. */
export function torchSaveBytes(state: TensorMap, archive = 'archive'): Uint8Array {
  const p = new PickleWriter().op('\x80', '\x02').global('collections', 'OrderedDict').op(')', 'R', '(');
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  let key = 0;
  for (const [name, t] of state) {
    const storage = STORAGE_CLASSES[t.dtype];
    if (!storage) throw new Error(`torchSaveBytes: '${name}' is ${t.dtype}; only float32 and int64 are written`);
    const id = String(key++);
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2').op('(');
    // The persistent id: ('storage', StorageClass, key, location, numel).
    p.op('(').str('storage').global('torch', storage).str(id).str('cpu').int(elementCount(t.shape)).op('t', 'Q');
    p.int(0).tuple(t.shape).tuple(strides(t.shape));
    p.op('\x89'); // requires_grad False
    p.global('collections', 'OrderedDict').op(')', 'R'); // backward hooks
    p.op('t', 'R');
    files[`${archive}/data/${id}`] = [
      new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      { level: 0 },
    ];
  }
  p.op('u', '.');
  return zipSync({
    [`${archive}/data.pkl`]: [p.bytes(), { level: 0 }],
    [`${archive}/byteorder`]: [new TextEncoder().encode('little'), { level: 0 }],
    ...files,
    [`${archive}/version`]: [new TextEncoder().encode('3\n'), { level: 0 }],
  });
}
