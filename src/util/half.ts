// IEEE 754 half precision (binary16) on the host: the f16 storage path converts weights on
// upload and reads f16 tensors back through these.

/** The largest finite half. */
export const F16_MAX = 65504;

/** Half to float: exact (every f16 value is an f32 value). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Float to the nearest half, ties to even (as WGSL's f16() of an f32): beyond 65504 to
 * infinity, below 2^-24 to zero, subnormals in between; NaN stays NaN.
 */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  // The value as an integer count of the half's smallest step at its exponent, then rounded.
  const e = exponent - 127 + 15; // the half's biased exponent
  if (e >= 31) return sign | 0x7c00;
  let shift: number, significand: number, base: number;
  if (e <= 0) {
    // Subnormal half: steps of 2^-24; the implicit bit joins the mantissa.
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): zero
    significand = mantissa | 0x800000;
    shift = 14 - e;
    base = 0;
  } else {
    significand = mantissa;
    shift = 13;
    base = e << 10;
  }
  const kept = significand >>> shift;
  const rest = significand & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  const roundUp = rest > half || (rest === half && (kept & 1) === 1);
  // A carry out of the mantissa rolls into the exponent, up to infinity: the bit patterns count on.
  return sign | (base + kept + (roundUp ? 1 : 0));
}

/** Halves of every value (ties to even). */
export function toHalves(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}

/** Floats of every half. */
export function fromHalves(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
  return out;
}

/** Each value rounded to the nearest half, as floats: what an f16 tensor holds of them. */
export function roundToHalf(values: ArrayLike<number>): Float32Array {
  return fromHalves(toHalves(values));
}
