// Pillow's antialiased resampling (ImagingResample with the bilinear filter) on 8-bit RGB,
// bit-exact: separable, horizontal pass first into an 8-bit image, then vertical; weights
// are the triangle filter stretched by the downscale factor, normalized, and applied in
// 22-bit fixed point with rounding, as Pillow does for 8-bit images.
import type { RgbImage } from './format.js';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Coefficients {
  ksize: number;
  bounds: Int32Array;
  weights: Int32Array;
}

const triangle = (x: number) => {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
};

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = triangle((x + xmin - center + 0.5) / filterScale);
      sum += k[x];
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax && sum !== 0 ? k[x] / sum : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

const clip8 = (ss: number) => {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

export function resizeBilinearAntialias(img: RgbImage, outWidth: number, outHeight: number): RgbImage {
  const { width: W, height: H, data } = img;
  const vert = coefficients(H, outHeight);
  let src = data;
  let srcRowOffset = 0;
  if (outWidth !== W) {
    // Only the rows the vertical pass reads.
    const first = vert.bounds[0];
    const last = vert.bounds[2 * outHeight - 2] + vert.bounds[2 * outHeight - 1];
    const rows = last - first;
    const horiz = coefficients(W, outWidth);
    const tmp = new Uint8Array(outWidth * rows * 3);
    for (let y = 0; y < rows; y++) {
      const row = (y + first) * W * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = horiz.bounds[2 * xx],
          xmax = horiz.bounds[2 * xx + 1],
          k = xx * horiz.ksize;
        let r = HALF,
          g = HALF,
          b = HALF;
        for (let x = 0; x < xmax; x++) {
          const w = horiz.weights[k + x];
          const p = row + (xmin + x) * 3;
          r += data[p] * w;
          g += data[p + 1] * w;
          b += data[p + 2] * w;
        }
        const o = (y * outWidth + xx) * 3;
        tmp[o] = clip8(r);
        tmp[o + 1] = clip8(g);
        tmp[o + 2] = clip8(b);
      }
    }
    src = tmp;
    srcRowOffset = first;
  }
  if (outHeight === H) return { width: outWidth, height: outHeight, data: src === data ? data.slice() : src };
  const out = new Uint8Array(outWidth * outHeight * 3);
  const rowBytes = outWidth * 3;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = vert.bounds[2 * yy] - srcRowOffset,
      ymax = vert.bounds[2 * yy + 1],
      k = yy * vert.ksize;
    for (let i = 0; i < rowBytes; i++) {
      let ss = HALF;
      for (let y = 0; y < ymax; y++) ss += src[(ymin + y) * rowBytes + i] * vert.weights[k + y];
      out[yy * rowBytes + i] = clip8(ss);
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

/**
 * Pillow's Image.resize with NEAREST, bit-exact (ImagingScaleAffine): the source column of
 * output x is trunc(x0 + (x + 0.5) step) with the position accumulated in double by repeated
 * addition of step = in / out, as Pillow does, and likewise for rows.
 */
export function resizeNearest(img: RgbImage, width: number, height: number): RgbImage {
  const sourceIndices = (inSize: number, outSize: number) => {
    const step = inSize / outSize;
    const out = new Int32Array(outSize);
    let position = step * 0.5;
    for (let i = 0; i < outSize; i++) {
      out[i] = Math.min(Math.max(Math.trunc(position), 0), inSize - 1);
      position += step;
    }
    return out;
  };
  const xs = sourceIndices(img.width, width);
  const ys = sourceIndices(img.height, height);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = ys[y] * img.width;
    for (let x = 0; x < width; x++) {
      const s = (row + xs[x]) * 3,
        o = (y * width + x) * 3;
      data[o] = img.data[s];
      data[o + 1] = img.data[s + 1];
      data[o + 2] = img.data[s + 2];
    }
  }
  return { width, height, data };
}
