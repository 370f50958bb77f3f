// Winograd F(2x2, 3x3) and F(4x4, 3x3) convs against the float64 direct-conv reference: odd
// sizes (partial tiles), channel counts that are not tile multiples, every epilogue, the ResNet-50 3x3
// stride-1 shapes, and poisoned outputs.
import { describe, expect, it } from 'vitest';
import { RESNET50_CONV_SHAPES } from '../src/kernels/resnet50-shapes.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../src/kernels/winograd.js';
import { type ConvShape, conv2dRef, relativeError } from '../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, skipUnsupported, useGpu } from './helpers.js';

const ctx = useGpu();

const shapes: ConvShape[] = [
  { N: 2, H: 7, W: 5, C: 4, K: 8, kh: 3, kw: 3, stride: 1, pad: 1 },
  { N: 1, H: 8, W: 8, C: 12, K: 20, kh: 3, kw: 3, stride: 1, pad: 1 },
  { N: 3, H: 1, W: 9, C: 8, K: 4, kh: 3, kw: 3, stride: 1, pad: 1 },
  { N: 1, H: 13, W: 11, C: 36, K: 132, kh: 3, kw: 3, stride: 1, pad: 1 },
  ...RESNET50_CONV_SHAPES.filter((s) => s.kernel === 3 && s.stride === 1).map((s) => ({ N: 1, H: s.H, W: s.W, C: s.C, K: s.K, kh: 3, kw: 3, stride: 1, pad: 1 })),
];

const passes = ([2, 4] as WinogradTile[]).flatMap((tile) => (['register', 'broadcast'] as const).map((gemm) => [tile, gemm] as const));

describe.each(passes)('conv3x3 Winograd F(%i, 3x3), %s GEMM', (tile, gemm) => {
  skipUnsupported(ctx, gemm);
  const random = rng();
  shapes.forEach((s, i) => {
    const epilogue = { bias: i % 2 === 0, residual: i % 3 !== 1, relu: i % 2 === 1 };
    it(`${s.N}x${s.H}x${s.W}x${s.C} -> ${s.K} ${JSON.stringify(epilogue)}`, async () => {
      const { gpu } = ctx;
      const x = randomArray(s.N * s.H * s.W * s.C, random);
      const w = randomArray(9 * s.C * s.K, random, 1 / Math.sqrt(9 * s.C));
      const bias = epilogue.bias ? randomArray(s.K, random) : undefined;
      const residual = epilogue.residual ? randomArray(s.N * s.H * s.W * s.K, random) : undefined;
      const out = poisoned(gpu, [s.N, s.H, s.W, s.K]);
      await conv3x3Winograd(gpu, gpu.upload(x, [s.N, s.H, s.W, s.C]), gpu.upload(winogradWeights(w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]), {
        relu: epilogue.relu, out, gemm, bias: bias && gpu.upload(bias), residual: residual && gpu.upload(residual, [s.N, s.H, s.W, s.K]),
      });
      const got = await out.read();
      expect(relativeError(got, conv2dRef(x, w, s, { bias, residual, relu: epilogue.relu })), seedNote()).toBeLessThanOrEqual(TOLERANCE);
      out.release();
    });
  });
});

describe('conv3x3 Winograd weights', () => {
  it('refuses transformed weights of another tile size or channel count', async () => {
    const { gpu } = ctx;
    const x = gpu.tensor([1, 4, 4, 8]);
    await expect(conv3x3Winograd(gpu, x, gpu.tensor([25, 8, 4]))).rejects.toThrow(/weights must be \[16 or 36, 8, K\], got \[25,8,4\]/);
    await expect(conv3x3Winograd(gpu, x, gpu.tensor([36, 4, 4]))).rejects.toThrow(/weights must be/);
  });
});
