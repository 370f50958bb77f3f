// The one catalogue of kernel cases: GEMM and conv shapes (odd ones that no tile divides, and
// every distinct conv of ResNet-50 from its plan), used by the tests, `node dist/selfcheck.js`
// (the cases marked `quick`) and bench:kernels (the ResNet-50 convs and the GEMM size).
import { PREPROCESSING } from '../image/preprocess.js';
import { plan, resnetSpec } from '../model/architecture.js';
import type { ConvShape } from '../reference/cpu.js';
import { outputSize } from '../util/shapes.js';

export interface GemmCase {
  M: number;
  N: number;
  K: number;
  /** One of the few the self-check runs on each variant. */
  quick?: boolean;
}

/** Odd sizes (not multiples of any tile), tiny edges, and the dense head's shapes. */
export const GEMM_CASES: readonly GemmCase[] = [
  { M: 1, N: 1, K: 1 },
  { M: 7, N: 13, K: 5 },
  { M: 33, N: 65, K: 17 },
  { M: 64, N: 64, K: 64 },
  { M: 100, N: 36, K: 129, quick: true },
  { M: 130, N: 9, K: 70 },
  { M: 32, N: 128, K: 2048 },
  { M: 32, N: 2, K: 128 },
  { M: 2048, N: 128, K: 32 },
  { M: 128, N: 2048, K: 32 },
  { M: 257, N: 260, K: 31, quick: true },
];

/** The 128x128-tile GEMM ('tiled' variant, tile: 128): odd sizes around its tile. */
export const GEMM_TILE128_CASES: readonly GemmCase[] = [
  { M: 1, N: 1, K: 1 },
  { M: 7, N: 13, K: 5 },
  { M: 130, N: 9, K: 70 },
  { M: 257, N: 260, K: 31, quick: true },
  { M: 128, N: 256, K: 64 },
  { M: 300, N: 129, K: 200 },
];

/** Batched GEMMs [batch, M, N, K] (the Winograd conv's GEMM pass). */
export const BATCHED_GEMM_CASES: readonly (readonly [number, number, number, number])[] = [
  [3, 37, 20, 19],
  [36, 8, 64, 64],
  [2, 1, 4, 1],
];

export type ConvCase = ConvShape & { name: string; quick?: boolean };

/** Odd channel counts (not multiples of 4 or of any tile), odd sizes, pads and strides. */
export const CONV_ODD_CASES: readonly ConvCase[] = [
  { name: 'odd 3x3', N: 2, H: 9, W: 7, C: 5, K: 7, kh: 3, kw: 3, stride: 1, pad: 1 },
  { name: 'odd 5x3/2', N: 3, H: 11, W: 13, C: 3, K: 10, kh: 5, kw: 3, stride: 2, pad: 2 },
  { name: 'odd 1x1/2', N: 1, H: 8, W: 8, C: 16, K: 12, kh: 1, kw: 1, stride: 2, pad: 0 },
  { name: 'odd 3x3/3', N: 2, H: 10, W: 6, C: 1, K: 1, kh: 3, kw: 3, stride: 3, pad: 0 },
  { name: 'odd 7x7/2', N: 1, H: 17, W: 15, C: 33, K: 68, kh: 7, kw: 7, stride: 2, pad: 3 },
  { name: 'odd 3x3 130->132', N: 5, H: 3, W: 3, C: 130, K: 132, kh: 3, kw: 3, stride: 1, pad: 1 },
  // ResNet-50's kinds of conv at sizes whose pixel count no tile divides.
  { name: 'stem 7x7/2 at 61x67', N: 1, H: 61, W: 67, C: 3, K: 64, kh: 7, kw: 7, stride: 2, pad: 3, quick: true },
  { name: 'layer2 3x3/2, batch 2', N: 2, H: 28, W: 28, C: 128, K: 128, kh: 3, kw: 3, stride: 2, pad: 1, quick: true },
  {
    name: 'layer3 downsample 1x1/2',
    N: 1,
    H: 28,
    W: 28,
    C: 512,
    K: 1024,
    kh: 1,
    kw: 1,
    stride: 2,
    pad: 0,
    quick: true,
  },
  { name: 'layer3 3x3', N: 1, H: 14, W: 14, C: 256, K: 256, kh: 3, kw: 3, stride: 1, pad: 1, quick: true },
];

/**
 * Shapes for the 128x128 conv tile (C and K multiples of 4): pixel and channel counts no tile
 * divides, a reduction length of 4 mod 8 (a half-empty last step), strides, padding.
 */
export const CONV_TILE128_CASES: readonly ConvCase[] = [
  { name: 'tile128 1x1 4->4', N: 1, H: 3, W: 5, C: 4, K: 4, kh: 1, kw: 1, stride: 1, pad: 0 },
  { name: 'tile128 3x3 12->132', N: 3, H: 9, W: 11, C: 12, K: 132, kh: 3, kw: 3, stride: 1, pad: 1 },
  { name: 'tile128 3x3/2 20->260', N: 2, H: 17, W: 13, C: 20, K: 260, kh: 3, kw: 3, stride: 2, pad: 1 },
  { name: 'tile128 1x1/2 36->128', N: 2, H: 23, W: 23, C: 36, K: 128, kh: 1, kw: 1, stride: 2, pad: 0 },
  { name: 'tile128 7x5 8->8', N: 1, H: 12, W: 10, C: 8, K: 8, kh: 7, kw: 5, stride: 1, pad: 3, quick: true },
];

/**
 * Split-K launches of the tiled conv (tile, splits): reductions no split count divides, splits
 * left with one step, 64 and 128 tiles, odd channel counts (the scalar sum) and vec4 ones.
 */
export const CONV_SPLIT_K_CASES: readonly (ConvCase & { tile: 64 | 128; splitK: number })[] = [
  { name: 'split 3, odd 3x3', N: 2, H: 9, W: 7, C: 5, K: 7, kh: 3, kw: 3, stride: 1, pad: 1, tile: 64, splitK: 3 },
  {
    name: 'split 2, odd 7x7/2',
    N: 1,
    H: 17,
    W: 15,
    C: 33,
    K: 68,
    kh: 7,
    kw: 7,
    stride: 2,
    pad: 3,
    tile: 64,
    splitK: 2,
  },
  {
    name: 'split 10, a step each',
    N: 1,
    H: 6,
    W: 6,
    C: 20,
    K: 36,
    kh: 2,
    kw: 2,
    stride: 1,
    pad: 0,
    tile: 128,
    splitK: 10,
  },
  {
    name: 'split 8, layer4 1x1 at batch 1',
    N: 1,
    H: 7,
    W: 7,
    C: 2048,
    K: 512,
    kh: 1,
    kw: 1,
    stride: 1,
    pad: 0,
    tile: 128,
    splitK: 8,
    quick: true,
  },
  {
    name: 'split 4, layer4 3x3/2',
    N: 1,
    H: 14,
    W: 14,
    C: 512,
    K: 512,
    kh: 3,
    kw: 3,
    stride: 2,
    pad: 1,
    tile: 64,
    splitK: 4,
  },
];

/** Odd 3x3 stride-1 shapes for the Winograd conv (C and K multiples of 4; partial tiles). */
export const WINOGRAD_ODD_CASES: readonly ConvCase[] = [
  { name: 'winograd 2x7x5 4->8', N: 2, H: 7, W: 5, C: 4, K: 8, kh: 3, kw: 3, stride: 1, pad: 1 },
  { name: 'winograd 8x8 12->20', N: 1, H: 8, W: 8, C: 12, K: 20, kh: 3, kw: 3, stride: 1, pad: 1 },
  { name: 'winograd 3x1x9 8->4', N: 3, H: 1, W: 9, C: 8, K: 4, kh: 3, kw: 3, stride: 1, pad: 1 },
  { name: 'winograd 13x11 36->132', N: 1, H: 13, W: 11, C: 36, K: 132, kh: 3, kw: 3, stride: 1, pad: 1 },
];

/** A conv layer of a network at its input size, with its role in the block. */
export interface ConvLayer extends ConvCase {
  /** Followed by ReLU (all but the downsample). */
  relu: boolean;
  /** Adds the block's shortcut (a block's last conv). */
  residual: boolean;
}

/**
 * Every distinct conv of ResNet-50 (torchvision v1.5) at a `size`x`size` input and batch
 * `batch`, walked from plan(): named by the first torchvision layer with that shape (with
 * `all`, every conv of the network in order, repeats included).
 */
export function resnet50ConvLayers(batch = 1, size: number = PREPROCESSING.size, all = false): ConvLayer[] {
  const p = plan(resnetSpec('resnet50'));
  const layers: ConvLayer[] = [];
  const seen = new Set<string>();
  const add = (conv: string, H: number, c: (typeof p)['stem'], relu: boolean, residual: boolean) => {
    const layer = {
      name: conv,
      N: batch,
      H,
      W: H,
      C: c.inC,
      K: c.outC,
      kh: c.kernel,
      kw: c.kernel,
      stride: c.stride,
      pad: c.pad,
      relu,
      residual,
    };
    const key = JSON.stringify({ ...layer, name: '', relu: false, residual: false });
    if (all || !seen.has(key)) layers.push(layer);
    seen.add(key);
    return outputSize(H, c.kernel, c.stride, c.pad);
  };
  // The stem, then the 3x3/2 max pool.
  const pool = p.stemPool;
  let h = outputSize(add('conv1', size, p.stem, true, false), pool.kernel, pool.stride, pool.pad);
  // Each block's main path, then its downsample (torchvision's order).
  for (const b of p.blocks) {
    let x = h;
    b.convs.forEach((c, i) => {
      const last = i === b.convs.length - 1;
      x = add(c.conv, x, c, true, last);
    });
    if (b.downsample) add(b.downsample.conv, h, b.downsample, false, false);
    h = x;
  }
  return layers;
}

/** Floating-point operations of a ResNet-50 forward's convs (multiply and add counted apart). */
export function resnet50Flops(batch: number, size: number = PREPROCESSING.size): number {
  return resnet50ConvLayers(batch, size, true).reduce((sum, layer) => sum + convFlops(layer), 0);
}

export function convFlops(s: ConvShape): number {
  return (
    2 * s.N * outputSize(s.H, s.kh, s.stride, s.pad) * outputSize(s.W, s.kw, s.stride, s.pad) * s.K * s.C * s.kh * s.kw
  );
}
