// jpeg-js upsamples chroma by replication and converts colour in floating point; libjpeg
// (which PIL, and so torchvision, decodes with) interpolates chroma ("fancy upsampling") and
// converts with 16-bit fixed-point tables. On small photos the difference reaches 40/255.
// We ask jpeg-js for raw Y, Cb, Cr, recover the subsampled chroma planes from its
// replication, and redo both steps libjpeg's way (jdsample.c, jdcolor.c).

export interface Sampling { h: number; v: number }

/** Sampling factors of a JPEG's components from its SOF marker, and whether it has an Adobe APP14 marker. */
export function jpegLayout(bytes: Uint8Array): { components: Sampling[]; adobe: boolean } | null {
  let pos = 2;
  let adobe = false;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return null;
    const marker = bytes[pos + 1];
    if (marker === 0xff) { pos++; continue; }
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (marker === 0xee) adobe = true;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const n = bytes[pos + 9];
      const components: Sampling[] = [];
      for (let i = 0; i < n; i++) {
        const hv = bytes[pos + 11 + i * 3];
        components.push({ h: hv >> 4, v: hv & 15 });
      }
      return { components, adobe };
    }
    pos += 2 + length;
  }
  return null;
}

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.trunc(x * (1 << SCALEBITS) + 0.5);
const CR_R = new Int32Array(256), CB_B = new Int32Array(256), CR_G = new Int32Array(256), CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}
const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** The plane of channel `c` at (1/fx, 1/fy) resolution, read back from replicated samples. */
function plane(ycc: Uint8Array, W: number, H: number, c: number, fx: number, fy: number): { data: Uint8Array; w: number; h: number } {
  const w = Math.ceil(W / fx), h = Math.ceil(H / fy);
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = ycc[((y * fy) * W + x * fx) * 3 + c];
  return { data, w, h };
}

/** libjpeg's fancy upsampling for 2x horizontal (h2v1) or 2x both ways (h2v2), 1x1 is a copy. */
function upsample(p: { data: Uint8Array; w: number; h: number }, fx: number, fy: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H);
  const row = new Uint8Array(p.w * 2);
  for (let oy = 0; oy < H; oy++) {
    // Vertical: h2v2 blends the nearer neighbouring row, 3:1, as column sums.
    const iy = fy === 2 ? oy >> 1 : oy;
    const near = p.data.subarray(iy * p.w, iy * p.w + p.w);
    let sums: Int32Array | null = null;
    if (fy === 2) {
      const ny = oy & 1 ? Math.min(iy + 1, p.h - 1) : Math.max(iy - 1, 0);
      const far = p.data.subarray(ny * p.w, ny * p.w + p.w);
      sums = new Int32Array(p.w);
      for (let x = 0; x < p.w; x++) sums[x] = near[x] * 3 + far[x];
    }
    if (fx === 1) {
      for (let x = 0; x < W; x++) out[oy * W + x] = sums ? (sums[x] * 4 + 8) >> 4 : near[x]; // h1v2 is not produced by jpeg-js layouts we fix
      continue;
    }
    const n = p.w;
    if (sums) {
      if (n === 1) { row[0] = row[1] = (sums[0] * 4 + 8) >> 4; }
      else {
        row[0] = (sums[0] * 4 + 8) >> 4;
        row[1] = (sums[0] * 3 + sums[1] + 7) >> 4;
        for (let x = 1; x < n - 1; x++) {
          row[2 * x] = (sums[x] * 3 + sums[x - 1] + 8) >> 4;
          row[2 * x + 1] = (sums[x] * 3 + sums[x + 1] + 7) >> 4;
        }
        row[2 * n - 2] = (sums[n - 1] * 3 + sums[n - 2] + 8) >> 4;
        row[2 * n - 1] = (sums[n - 1] * 4 + 7) >> 4;
      }
    } else if (n === 1) {
      row[0] = row[1] = near[0];
    } else {
      row[0] = near[0];
      row[1] = (near[0] * 3 + near[1] + 2) >> 2;
      for (let x = 1; x < n - 1; x++) {
        row[2 * x] = (near[x] * 3 + near[x - 1] + 1) >> 2;
        row[2 * x + 1] = (near[x] * 3 + near[x + 1] + 2) >> 2;
      }
      row[2 * n - 2] = (near[n - 1] * 3 + near[n - 2] + 1) >> 2;
      row[2 * n - 1] = near[n - 1];
    }
    out.set(row.subarray(0, W), oy * W);
  }
  return out;
}

/**
 * RGB the way libjpeg produces it, from jpeg-js's raw YCbCr output (colorTransform: false),
 * or null when the layout is one we leave to jpeg-js (not 3-component YCbCr, Adobe
 * transforms, or subsampling other than 4:4:4, 4:2:2 and 4:2:0).
 */
export function libjpegRgb(ycc: Uint8Array, W: number, H: number, layout: { components: Sampling[]; adobe: boolean }): Uint8Array | null {
  const c = layout.components;
  if (layout.adobe || c.length !== 3) return null;
  if (c[1].h !== c[2].h || c[1].v !== c[2].v || c[1].h !== 1 || c[1].v !== 1) return null;
  const fx = c[0].h, fy = c[0].v;
  if (!(fx === 1 || fx === 2) || !(fy === 1 || fy === 2) || (fx === 1 && fy === 2)) return null;
  const cb = upsample(plane(ycc, W, H, 1, fx, fy), fx, fy, W, H);
  const cr = upsample(plane(ycc, W, H, 2, fx, fy), fx, fy, W, H);
  const out = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const y = ycc[i * 3];
    out[i * 3] = clamp(y + CR_R[cr[i]]);
    out[i * 3 + 1] = clamp(y + ((CB_G[cb[i]] + CR_G[cr[i]]) >> SCALEBITS));
    out[i * 3 + 2] = clamp(y + CB_B[cb[i]]);
  }
  return out;
}
