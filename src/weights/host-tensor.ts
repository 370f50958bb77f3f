// Tensors on the CPU as read from weight files: a dtype, a shape and the raw typed array.
import { halfToFloat } from '../util/half.js';

export type HostDType =
  'float32' | 'float16' | 'float64' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type HostData =
  Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  /** float16 and bfloat16 are kept as their raw 16-bit patterns. */
  data: HostData;
}

export type TensorMap = Map<string, HostTensor>;

export const BYTES_PER_ELEMENT: Record<HostDType, number> = {
  float32: 4,
  float16: 2,
  float64: 8,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function isFloat(dtype: HostDType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'float64' || dtype === 'bfloat16';
}

/** Typed array over `bytes` (copied, so it is aligned and owns its memory). */
export function typedArray(dtype: HostDType, bytes: Uint8Array): HostData {
  const copy = bytes.slice().buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(copy);
    case 'float64':
      return new Float64Array(copy);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(copy);
    case 'int64':
      return new BigInt64Array(copy);
    case 'int32':
      return new Int32Array(copy);
    case 'int16':
      return new Int16Array(copy);
    case 'int8':
      return new Int8Array(copy);
    case 'uint8':
    case 'bool':
      return new Uint8Array(copy);
  }
}

/** The values as float32 (exact for float16 and bfloat16; rounded for float64). */
export function toFloat32(t: HostTensor): Float32Array {
  const d = t.data;
  if (d instanceof Float32Array) return d;
  if (t.dtype === 'float16') {
    // A loop, not Float32Array.from(d, f): the iterator protocol is many times slower on 25M values.
    const h = d as Uint16Array;
    const out = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i]);
    return out;
  }
  if (t.dtype === 'bfloat16') {
    const b = d as Uint16Array;
    const bits = new Uint32Array(b.length);
    for (let i = 0; i < b.length; i++) bits[i] = b[i] << 16;
    return new Float32Array(bits.buffer);
  }
  if (d instanceof BigInt64Array) return Float32Array.from(d, (v) => Number(v));
  return Float32Array.from(d as ArrayLike<number>);
}
