// Winograd F(2x2, 3x3) and F(4x4, 3x3) convs against the float64 direct-conv reference: odd
// sizes (partial tiles), channel counts that are not tile multiples, every epilogue, the ResNet-50 3x3
// stride-1 shapes, and poisoned outputs.
import { describe, expect, it } from 'vitest';
import { WINOGRAD_ODD_CASES, resnet50ConvLayers } from '../../src/check/cases.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../../src/kernels/winograd.js';
import { type ConvShape, conv2dRef, relativeError } from '../../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, skipUnsupported, useGpu } from '../support/helpers.js';

const ctx = useGpu();

const shapes: ConvShape[] = [
  ...WINOGRAD_ODD_CASES,
  ...resnet50ConvLayers().filter((s) => s.kh === 3 && s.stride === 1),
];

const passes = ([2, 4] as WinogradTile[]).flatMap((tile) =>
  (['register', 'broadcast'] as const).map((gemm) => [tile, gemm] as const),
);

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
      await conv3x3Winograd(
        gpu,
        gpu.upload(x, [s.N, s.H, s.W, s.C]),
        gpu.upload(winogradWeights(w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]),
        {
          relu: epilogue.relu,
          out,
          gemm,
          bias: bias && gpu.upload(bias),
          residual: residual && gpu.upload(residual, [s.N, s.H, s.W, s.K]),
        },
      );
      const got = await out.read();
      expect(
        relativeError(got, conv2dRef(x, w, s, { bias, residual, relu: epilogue.relu })),
        seedNote(),
      ).toBeLessThanOrEqual(TOLERANCE);
      out.release();
    });
  });
});

describe('conv3x3 Winograd weights', () => {
  it('refuses transformed weights of another tile size or channel count', async () => {
    const { gpu } = ctx;
    const x = gpu.tensor([1, 4, 4, 8]);
    await expect(conv3x3Winograd(gpu, x, gpu.tensor([25, 8, 4]))).rejects.toThrow(
      /weights must be \[16 or 36, 8, K\], got \[25,8,4\]/,
    );
    await expect(conv3x3Winograd(gpu, x, gpu.tensor([36, 4, 4]))).rejects.toThrow(/weights must be/);
  });
});
