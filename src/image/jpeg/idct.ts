// libjpeg's "ISLOW" inverse DCT (jidctint.c, the default PIL decodes with), reproduced to
// the bit: 13-bit fixed-point constants, 2 extra bits between the column and row passes,
// round-half-up descaling, and the wrap-then-clamp range limit of its sample table. Products
// stay below 2^53, so plain JS numbers give libjpeg's 64-bit integer results.

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** libjpeg's IDCT_range_limit table indexed by (value & 1023): clamps -512..511 (+128) to 0..255. */
const RANGE_LIMIT = new Uint8Array(1024);
for (let m = 0; m < 1024; m++) RANGE_LIMIT[m] = Math.min(255, Math.max(0, (m ^ 512) - 512 + 128));

const descale = (x: number, n: number) => Math.floor((x + 2 ** (n - 1)) / 2 ** n);

/** The 1-D IDCT core shared by both passes: writes 8 outputs (still scaled) into out[o + i*step]. */
function idct1d(
  d0: number,
  d1: number,
  d2: number,
  d3: number,
  d4: number,
  d5: number,
  d6: number,
  d7: number,
  out: Float64Array,
  o: number,
  step: number,
): void {
  // Even part.
  let z1 = (d2 + d6) * FIX_0_541196100;
  const tmp2e = z1 - d6 * FIX_1_847759065;
  const tmp3e = z1 + d2 * FIX_0_765366865;
  const tmp0e = (d0 + d4) * 2 ** CONST_BITS;
  const tmp1e = (d0 - d4) * 2 ** CONST_BITS;
  const tmp10 = tmp0e + tmp3e,
    tmp13 = tmp0e - tmp3e,
    tmp11 = tmp1e + tmp2e,
    tmp12 = tmp1e - tmp2e;
  // Odd part.
  z1 = d7 + d1;
  let z2 = d5 + d3,
    z3 = d7 + d3,
    z4 = d5 + d1;
  const z5 = (z3 + z4) * FIX_1_175875602;
  let tmp0 = d7 * FIX_0_298631336,
    tmp1 = d5 * FIX_2_053119869,
    tmp2 = d3 * FIX_3_072711026,
    tmp3 = d1 * FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  out[o] = tmp10 + tmp3;
  out[o + 7 * step] = tmp10 - tmp3;
  out[o + step] = tmp11 + tmp2;
  out[o + 6 * step] = tmp11 - tmp2;
  out[o + 2 * step] = tmp12 + tmp1;
  out[o + 5 * step] = tmp12 - tmp1;
  out[o + 3 * step] = tmp13 + tmp0;
  out[o + 4 * step] = tmp13 - tmp0;
}

const workspace = new Float64Array(64);
const row = new Float64Array(8);

/**
 * Inverse-transforms the block at coefficients[offset..offset+64) (natural order, not yet
 * dequantized) with quantization table `quant` (natural order, int16 like libjpeg's
 * ISLOW_MULT_TYPE) into 8x8 samples at out[outOffset + y*stride + x].
 */
export function idctIslow(
  coefficients: Int32Array,
  offset: number,
  quant: Int16Array,
  out: Uint8Array,
  outOffset: number,
  stride: number,
): void {
  const ws = workspace;
  // Pass 1: columns, descaled to PASS1_BITS extra bits.
  for (let x = 0; x < 8; x++) {
    const c = (i: number) => coefficients[offset + i * 8 + x] * quant[i * 8 + x];
    if (
      coefficients[offset + 8 + x] === 0 &&
      coefficients[offset + 16 + x] === 0 &&
      coefficients[offset + 24 + x] === 0 &&
      coefficients[offset + 32 + x] === 0 &&
      coefficients[offset + 40 + x] === 0 &&
      coefficients[offset + 48 + x] === 0 &&
      coefficients[offset + 56 + x] === 0
    ) {
      const dc = c(0) * 2 ** PASS1_BITS;
      for (let y = 0; y < 8; y++) ws[y * 8 + x] = dc;
      continue;
    }
    idct1d(c(0), c(1), c(2), c(3), c(4), c(5), c(6), c(7), ws, x, 8);
    for (let y = 0; y < 8; y++) ws[y * 8 + x] = descale(ws[y * 8 + x], CONST_BITS - PASS1_BITS);
  }
  // Pass 2: rows, descaled by the remaining bits and the 8 of the 2-D DCT's normalization.
  for (let y = 0; y < 8; y++) {
    const w = y * 8;
    const o = outOffset + y * stride;
    if (
      ws[w + 1] === 0 &&
      ws[w + 2] === 0 &&
      ws[w + 3] === 0 &&
      ws[w + 4] === 0 &&
      ws[w + 5] === 0 &&
      ws[w + 6] === 0 &&
      ws[w + 7] === 0
    ) {
      out.fill(RANGE_LIMIT[descale(ws[w], PASS1_BITS + 3) & 1023], o, o + 8);
      continue;
    }
    idct1d(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7], row, 0, 1);
    for (let x = 0; x < 8; x++) out[o + x] = RANGE_LIMIT[descale(row[x], CONST_BITS + PASS1_BITS + 3) & 1023];
  }
}
