// Pillow's Image.transform(size, AFFINE, matrix, NEAREST) on 8-bit RGB, bit-exact (Pillow
// 9.4's libImaging/Geometry.c, ImagingTransformAffine): the matrix maps output pixel centres
// (x + 0.5, y + 0.5) to input coordinates. Without rotation or shear it takes the scaling path
// (positions accumulated in double, truncated); otherwise, where every corner maps within
// +-32768, 16.16 fixed point (each coefficient rounded once, positions accumulated as
// integers, floored by the shift); else doubles. Pixels that map outside the input get the
// fill: black, as torchvision's RandomAffine (fillcolor=0), or, with 'nearest', the nearest
// border pixel (not Pillow's: our extension for --fill nearest).
import type { RgbImage } from './format.js';

export type AffineFill = 'constant' | 'nearest';

/** Pillow's COORD: truncation toward zero, and -1 for any negative position. */
const coord = (v: number) => (v < 0 ? -1 : Math.trunc(v));
/** Pillow's FIX: 16.16 fixed point, rounded half up (FLOOR(v * 65536 + 0.5)). */
const fix = (v: number) => Math.floor(v * 65536 + 0.5);

function checkFixed(a: readonly number[], x: number, y: number): boolean {
  return Math.abs(x * a[0] + y * a[1] + a[2]) < 32768 && Math.abs(x * a[3] + y * a[4] + a[5]) < 32768;
}

/** The output image of `img`'s size under Pillow's affine transform with nearest sampling. */
export function affineNearest(img: RgbImage, a: readonly number[], fill: AffineFill = 'constant'): RgbImage {
  if (a.length !== 6 || a.some((v) => !Number.isFinite(v)))
    throw new Error(`affineNearest: the matrix must be 6 finite numbers, got [${a}]`);
  const { width: W, height: H } = img;
  const out = new Uint8Array(W * H * 3);
  const put = (x: number, y: number, xin: number, yin: number) => {
    const inside = xin >= 0 && xin < W && yin >= 0 && yin < H;
    if (!inside) {
      if (fill === 'constant') return;
      xin = Math.min(Math.max(xin, 0), W - 1);
      yin = Math.min(Math.max(yin, 0), H - 1);
    }
    const s = (yin * W + xin) * 3,
      o = (y * W + x) * 3;
    out[o] = img.data[s];
    out[o + 1] = img.data[s + 1];
    out[o + 2] = img.data[s + 2];
  };
  if (a[1] === 0 && a[3] === 0) {
    // ImagingScaleAffine.
    const xin = new Int32Array(W);
    let xo = a[2] + a[0] * 0.5;
    for (let x = 0; x < W; x++) {
      xin[x] = coord(xo);
      xo += a[0];
    }
    let yo = a[5] + a[4] * 0.5;
    for (let y = 0; y < H; y++) {
      const yin = coord(yo);
      for (let x = 0; x < W; x++) put(x, y, xin[x], yin);
      yo += a[4];
    }
  } else if (checkFixed(a, 0, 0) && checkFixed(a, W, H) && checkFixed(a, 0, H) && checkFixed(a, W, 0)) {
    // affine_fixed: int arithmetic, wrapping as C's int does (the bounds above keep it from it).
    const a0 = fix(a[0]),
      a1 = fix(a[1]),
      a3 = fix(a[3]),
      a4 = fix(a[4]);
    let a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5),
      a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
    for (let y = 0; y < H; y++) {
      let xx = a2,
        yy = a5;
      for (let x = 0; x < W; x++) {
        put(x, y, xx >> 16, yy >> 16);
        xx = (xx + a0) | 0;
        yy = (yy + a3) | 0;
      }
      a2 = (a2 + a1) | 0;
      a5 = (a5 + a4) | 0;
    }
  } else {
    let xo = a[2] + a[1] * 0.5 + a[0] * 0.5,
      yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for (let y = 0; y < H; y++) {
      let xx = xo,
        yy = yo;
      for (let x = 0; x < W; x++) {
        put(x, y, coord(xx), coord(yy));
        xx += a[0];
        yy += a[3];
      }
      xo += a[1];
      yo += a[4];
    }
  }
  return { width: W, height: H, data: out };
}

/** Pillow's transpose(FLIP_LEFT_RIGHT). */
export function flipLeftRight(img: RgbImage): RgbImage {
  const { width: W, height: H } = img;
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const s = (y * W + x) * 3,
        o = (y * W + (W - 1 - x)) * 3;
      out[o] = img.data[s];
      out[o + 1] = img.data[s + 1];
      out[o + 2] = img.data[s + 2];
    }
  return { width: W, height: H, data: out };
}
