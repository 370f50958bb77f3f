// From decoded component planes to RGB the way libjpeg-turbo and PIL do it: chroma upsampled
// with libjpeg's "fancy" triangle filters (jdsample.c: h2v1 and h2v2 when the plane is wider
// than 2 samples, h1v2 always, replication otherwise), colour converted with jdcolor.c's
// 16-bit fixed-point tables, and CMYK turned into RGB like Pillow's convert('RGB').

/** A component's samples: `width` x `height` valid, rows `stride` apart (blocks pad them). */
export interface Plane {
  data: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/** Upsamples a plane by integral factors (fx, fy) to W x H, as libjpeg's jinit_upsampler picks. */
export function upsample(p: Plane, fx: number, fy: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H);
  const row = new Uint8Array(p.width * fx);
  const sums = new Int32Array(p.width);
  const fancyH = fx === 2 && p.width > 2;
  const fancyV = fy === 2 && (fx === 1 || fancyH);
  for (let oy = 0; oy < H; oy++) {
    const iy = Math.floor(oy / fy);
    const near = p.data.subarray(iy * p.stride, iy * p.stride + p.width);
    if (fancyV) {
      // Vertical: 3/4 of the nearer row plus 1/4 of the next one out (edge rows repeat).
      const odd = oy & 1;
      const ny = odd ? Math.min(iy + 1, p.height - 1) : Math.max(iy - 1, 0);
      const far = p.data.subarray(ny * p.stride, ny * p.stride + p.width);
      for (let x = 0; x < p.width; x++) sums[x] = near[x] * 3 + far[x];
      if (fx === 1) {
        const bias = odd ? 2 : 1; // h1v2_fancy_upsample
        for (let x = 0; x < W; x++) out[oy * W + x] = (sums[x] + bias) >> 2;
        continue;
      }
      const n = p.width; // h2v2_fancy_upsample, n > 2
      row[0] = (sums[0] * 4 + 8) >> 4;
      row[1] = (sums[0] * 3 + sums[1] + 7) >> 4;
      for (let x = 1; x < n - 1; x++) {
        row[2 * x] = (sums[x] * 3 + sums[x - 1] + 8) >> 4;
        row[2 * x + 1] = (sums[x] * 3 + sums[x + 1] + 7) >> 4;
      }
      row[2 * n - 2] = (sums[n - 1] * 3 + sums[n - 2] + 8) >> 4;
      row[2 * n - 1] = (sums[n - 1] * 4 + 7) >> 4;
    } else if (fancyH && fy === 1) {
      const n = p.width; // h2v1_fancy_upsample, n > 2
      row[0] = near[0];
      row[1] = (near[0] * 3 + near[1] + 2) >> 2;
      for (let x = 1; x < n - 1; x++) {
        row[2 * x] = (near[x] * 3 + near[x - 1] + 1) >> 2;
        row[2 * x + 1] = (near[x] * 3 + near[x + 1] + 2) >> 2;
      }
      row[2 * n - 2] = (near[n - 1] * 3 + near[n - 2] + 1) >> 2;
      row[2 * n - 1] = near[n - 1];
    } else {
      for (let x = 0; x < W; x++) row[x] = near[Math.floor(x / fx)]; // replication (int_upsample, h2v*_upsample)
    }
    out.set(row.subarray(0, W), oy * W);
  }
  return out;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.trunc(x * (1 << SCALEBITS) + 0.5);
const CR_R = new Int32Array(256),
  CB_B = new Int32Array(256),
  CR_G = new Int32Array(256),
  CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}
const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** libjpeg's ycc_rgb_convert, into out[i*3 .. i*3+2]. */
export function yccToRgb(y: Uint8Array, cb: Uint8Array, cr: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < y.length; i++) {
    const l = y[i],
      b = cb[i],
      r = cr[i];
    out[i * 3] = clamp(l + CR_R[r]);
    out[i * 3 + 1] = clamp(l + ((CB_G[b] + CR_G[r]) >> SCALEBITS));
    out[i * 3 + 2] = clamp(l + CB_B[b]);
  }
}

/**
 * RGB from Adobe-convention CMYK (libjpeg's output, which PIL reads as inverted "CMYK;I")
 * through Pillow's cmyk2rgb. With `ycck`, the first three planes are YCC and are turned into
 * CMY first (libjpeg's ycck_cmyk_convert).
 */
export function cmykToRgb(planes: Uint8Array[], ycck: boolean, out: Uint8Array): void {
  const [p0, p1, p2, p3] = planes;
  for (let i = 0; i < p0.length; i++) {
    let c = p0[i],
      m = p1[i],
      y = p2[i];
    if (ycck) {
      const l = c,
        b = m,
        r = y;
      c = clamp(255 - (l + CR_R[r]));
      m = clamp(255 - (l + ((CB_G[b] + CR_G[r]) >> SCALEBITS)));
      y = clamp(255 - (l + CB_B[b]));
    }
    // PIL inverts Adobe CMYK on reading, then convert('RGB') scales by the remaining ink.
    const nk = p3[i]; // 255 - (255 - k)
    const mul = (v: number) => {
      const t = (255 - v) * nk + 128;
      return ((t >> 8) + t) >> 8;
    };
    out[i * 3] = clamp(nk - mul(c));
    out[i * 3 + 1] = clamp(nk - mul(m));
    out[i * 3 + 2] = clamp(nk - mul(y));
  }
}
