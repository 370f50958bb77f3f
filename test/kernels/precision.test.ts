// The f16 storage path: host conversions against IEEE's rules, f16 tensors, and every kernel of
// the inference backbone at f16 (activations and weights stored as halves, f32 accumulation)
// against float64 references on the same halves; then a whole ResNet-50 at f16 against
// torchvision's (float64, test/fixtures/resnet50-golden.safetensors).
// Skipped where the adapter has no shader-f16 (lavapipe has it).
import { describe, expect, it } from 'vitest';
import {
  CONV_ODD_CASES,
  CONV_SPLIT_K_CASES,
  CONV_TILE128_CASES,
  GEMM_CASES,
  WINOGRAD_ODD_CASES,
} from '../../src/check/cases.js';
import { toF16 } from '../../src/kernels/cast.js';
import { KERNEL_VARIANTS } from '../../src/kernels/common.js';
import { conv2d } from '../../src/kernels/conv2d.js';
import { gemm } from '../../src/kernels/gemm.js';
import { globalAvgPool, maxPool2d } from '../../src/kernels/pool.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../../src/kernels/winograd.js';
import { ResNetGolden } from '../../src/check/goldens.js';
import { plan, resnetSpec } from '../../src/model/architecture.js';
import { checkFeatures, uploadConv } from '../../src/model/resnet.js';
import { argmax } from '../../src/train/fit.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import {
  type ConvShape,
  conv2dRef,
  convOutSize,
  gemmRef,
  globalAvgPoolRef,
  maxPoolRef,
  relativeError,
} from '../../src/reference/cpu.js';
import { floatToHalf, halfToFloat, roundToHalf } from '../../src/util/half.js';
import { fixture, poisoned, randomArray, rng, seedNote, skipUnsupported, useGpu } from '../support/helpers.js';

const ctx = useGpu();
const random = rng();
const golden = new ResNetGolden(parseSafetensors(await fixture('resnet50-golden.safetensors'), 'resnet50-golden'));

/**
 * Kernels at f16 against float64 on the same halves: all that differs is the f32 accumulation
 * (about 1e-7) and the output's rounding to a half (at most 2^-11 relative, about 4.9e-4).
 */
const F16_TOLERANCE = 1e-3;

describe('half precision on the host', () => {
  it('round-trips every half, rounds ties to even, and saturates to infinity', () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (Number.isNaN(x)) expect(Number.isNaN(halfToFloat(floatToHalf(x)))).toBe(true);
      else expect(floatToHalf(x), `half 0x${h.toString(16)}`).toBe(h);
    }
    // Between consecutive halves a and a+1: the midpoint goes to the even one, anything past it up.
    for (const a of [0x0000, 0x0001, 0x03ff, 0x3c00, 0x3c01, 0x7bfe, 0x8400]) {
      const lo = halfToFloat(a),
        hi = halfToFloat(a + 1),
        mid = (lo + hi) / 2;
      expect(floatToHalf(mid)).toBe(a % 2 === 0 ? a : a + 1);
      expect(floatToHalf(mid + (hi - lo) / 64)).toBe(a + 1);
      expect(floatToHalf(mid - (hi - lo) / 64)).toBe(a);
    }
    expect(floatToHalf(65520)).toBe(0x7c00); // halfway past the largest half: infinity
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(-1e9)).toBe(0xfc00);
    expect(floatToHalf(2 ** -26)).toBe(0); // under half the smallest subnormal
    expect(floatToHalf(-(2 ** -24))).toBe(0x8001);
  });
});

describe('f16 tensors', () => {
  it('hold each written value rounded to the nearest half, at half the bytes', async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    const values = randomArray(7, random, 300);
    const t = gpu.upload(values, [7], 'halves', 'f16');
    expect(t.byteLength).toBe(16);
    expect(Array.from(await t.read())).toEqual(Array.from(roundToHalf(values)));
    t.release();
  });

  it('cast rounds f32 to the nearest half as the host does', async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    // Magnitudes from subnormal halves to near the largest.
    const values = Float32Array.from({ length: 999 }, () => (random() - 0.5) * 2 ** (40 * random() - 24));
    const x = gpu.upload(values, [999]);
    const y = await toF16(gpu, x, poisoned(gpu, [999], 'f16'));
    expect(Array.from(await y.read())).toEqual(Array.from(roundToHalf(values)));
    x.release();
    y.release();
  });
});

/** A conv's inputs as halves (weights too unless Winograd's, which stay f32). */
function convInputs(s: ConvShape, halveWeights: boolean) {
  const { OH, OW } = convOutSize(s);
  const x = roundToHalf(randomArray(s.N * s.H * s.W * s.C, random));
  const wf = randomArray(s.kh * s.kw * s.C * s.K, random, 1 / Math.sqrt(s.kh * s.kw * s.C));
  return {
    x,
    w: halveWeights ? roundToHalf(wf) : wf,
    bias: randomArray(s.K, random),
    residual: roundToHalf(randomArray(s.N * OH * OW * s.K, random)),
    outShape: [s.N, OH, OW, s.K],
  };
}

// A few shapes per variant, all through the full epilogue (one pipeline per entry point: on
// lavapipe, compiling is most of a small conv's time): 3x3 with padding, a channel count that
// is not a multiple of 4 (conv_scalar), the stem, a strided 1x1, and the 128x128 tile.
const F16_CONV_CASES = ['odd 3x3', 'odd 5x3/2', 'stem 7x7/2 at 61x67', 'layer3 downsample 1x1/2'].map((name) =>
  CONV_ODD_CASES.find((s) => s.name === name)!,
);

describe.each(KERNEL_VARIANTS)('conv2d at f16 (%s)', (variant) => {
  skipUnsupported(ctx, variant);
  const cases: { s: ConvShape & { name: string }; tile?: 64 | 128; splitK?: number }[] = [
    ...F16_CONV_CASES.filter((s) => variant !== 'broadcast' || s.K % 4 === 0).map((s) => ({ s })),
    ...(variant === 'tiled'
      ? [
          { s: CONV_TILE128_CASES[1], tile: 128 as const },
          ...CONV_SPLIT_K_CASES.slice(0, 3).map((s) => ({ s, tile: s.tile, splitK: s.splitK })),
        ]
      : []),
  ];
  cases.forEach(({ s, tile, splitK }) => {
    it(`${s.name}${tile ? `, ${tile}x${tile} tiles` : ''}`, async ({ skip }) => {
      const { gpu } = ctx;
      if (!gpu.hasF16) skip('no shader-f16 on this adapter');
      const d = convInputs(s, true);
      const out = poisoned(gpu, d.outShape, 'f16');
      const x = gpu.upload(d.x, [s.N, s.H, s.W, s.C], 'x', 'f16');
      const w = gpu.upload(d.w, [s.kh, s.kw, s.C, s.K], 'w', 'f16');
      await conv2d(gpu, x, w, {
        stride: s.stride,
        pad: s.pad,
        variant,
        tile,
        splitK,
        out,
        relu: true,
        bias: gpu.upload(d.bias),
        residual: gpu.upload(d.residual, d.outShape, 'r', 'f16'),
      });
      const want = conv2dRef(d.x, d.w, s, { bias: d.bias, residual: d.residual, relu: true });
      expect(relativeError(await out.read(), want), seedNote()).toBeLessThanOrEqual(F16_TOLERANCE);
      out.release();
    });
  });
});

describe.each(KERNEL_VARIANTS)('GEMM at f16 (%s)', (variant) => {
  skipUnsupported(ctx, variant);
  // The two quick catalogue cases (odd sizes; N a multiple of 4 or not), one with B transposed (and the 128 tile).
  const [plain, transposed] = GEMM_CASES.filter((c) => c.quick);
  const cases = [
    { ...plain, transB: false, tile: undefined },
    { ...transposed, transB: true, tile: variant === 'tiled' ? (128 as const) : undefined },
  ];
  cases.forEach(({ M, N, K, transB, tile }) => {
    it(`${M}x${N}x${K}${transB ? ', B transposed' : ''}${tile ? ', 128x128 tiles' : ''}`, async ({ skip }) => {
      const { gpu } = ctx;
      if (!gpu.hasF16) skip('no shader-f16 on this adapter');
      const a = roundToHalf(randomArray(M * K, random));
      const b = roundToHalf(randomArray(K * N, random, 1 / Math.sqrt(K)));
      const bias = randomArray(N, random);
      const residual = roundToHalf(randomArray(M * N, random));
      const out = poisoned(gpu, [M, N], 'f16');
      await gemm(gpu, gpu.upload(a, [M, K], 'A', 'f16'), gpu.upload(b, transB ? [N, K] : [K, N], 'B', 'f16'), {
        transB,
        variant,
        tile,
        out,
        relu: true,
        bias: gpu.upload(bias),
        residual: gpu.upload(residual, [M, N], 'R', 'f16'),
      });
      const product = gemmRef(a, b, M, N, K, { transB, bias });
      const want = product.map((v, i) => Math.max(v + residual[i], 0));
      expect(relativeError(await out.read(), want), seedNote()).toBeLessThanOrEqual(F16_TOLERANCE);
      out.release();
    });
  });
});

describe.each([2, 4] as WinogradTile[])('conv3x3 Winograd F(%i, 3x3) at f16', (tile) => {
  const s = WINOGRAD_ODD_CASES[0];
  it(`${s.N}x${s.H}x${s.W}x${s.C} -> ${s.K}`, async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    const d = convInputs(s, false);
    const out = poisoned(gpu, d.outShape, 'f16');
    await conv3x3Winograd(
      gpu,
      gpu.upload(d.x, [s.N, s.H, s.W, s.C], 'x', 'f16'),
      gpu.upload(winogradWeights(d.w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]),
      { out, relu: true, bias: gpu.upload(d.bias), residual: gpu.upload(d.residual, d.outShape, 'r', 'f16') },
    );
    const want = conv2dRef(d.x, d.w, s, { bias: d.bias, residual: d.residual, relu: true });
    expect(relativeError(await out.read(), want), seedNote()).toBeLessThanOrEqual(F16_TOLERANCE);
    out.release();
  });
});

describe('pooling at f16', () => {
  it('max pooling picks exactly the largest half; the global mean comes out in f32', async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    const [N, H, W, C] = [2, 13, 11, 5];
    const x = roundToHalf(randomArray(N * H * W * C, random, 100));
    const xt = gpu.upload(x, [N, H, W, C], 'x', 'f16');
    const pooled = await maxPool2d(gpu, xt, { kernel: 3, stride: 2, pad: 1 });
    expect(pooled.dtype).toBe('f16');
    expect(Array.from(await pooled.read())).toEqual(Array.from(maxPoolRef(x, N, H, W, C, 3, 2, 1).y));
    const mean = await globalAvgPool(gpu, xt);
    expect(mean.dtype).toBe('f32');
    expect(relativeError(await mean.read(), globalAvgPoolRef(x, N, H * W, C))).toBeLessThanOrEqual(1e-6);
    for (const t of [xt, pooled, mean]) t.release();
  });

  it('refuses to mix precisions, naming the tensors', async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    const x = gpu.tensor([1, 4, 4, 8], 'f16');
    await expect(conv2d(gpu, x, gpu.tensor([1, 1, 8, 8]))).rejects.toThrow(/conv2d: weight is f32 but input is f16/);
    await expect(conv2d(gpu, x, gpu.tensor([1, 1, 8, 8], 'f16'), { bias: gpu.tensor([8], 'f16') })).rejects.toThrow(
      /conv2d: bias is f16, expected f32/,
    );
  });
});

describe('ResNet-50 at f16', () => {
  it('refuses features that overflowed, saying why at f16', () => {
    expect(() => checkFeatures(Float32Array.of(1, 2), 'f16')).not.toThrow();
    expect(() => checkFeatures(Float32Array.of(1, Infinity), 'f16')).toThrow(
      /^backbone features are not finite \(Infinity at 1\): at f16 an activation passed 65504; run at f32$/,
    );
    expect(() => checkFeatures(Float32Array.of(NaN), 'f32')).toThrow(/^backbone features are not finite \(NaN at 0\)$/);
  });

  it('refuses folded weights past the largest half, naming the conv', () => {
    const stem = plan(resnetSpec('resnet50')).stem;
    const weights = new Float32Array(7 * 7 * 3 * 64).fill(1e5);
    expect(() => uploadConv(ctx.gpu, stem, weights, null, 'f16')).toThrow(
      /^conv1: folded weights reach 1\.00e\+5, past f16's 65504: run at f32$/,
    );
  });

  it("gives torchvision's features within 5e-3 relative L2, and its ImageNet class", async ({ skip }) => {
    const { gpu } = ctx;
    if (!gpu.hasF16) skip('no shader-f16 on this adapter');
    const model = golden.model(gpu, 'f16');
    const n = 2;
    const errors = await golden.parity(model, n);
    model.destroy();
    console.log(`ResNet-50 at f16, ${n} images: features within ${errors.features.toExponential(2)} of torchvision's`);
    expect(errors.features).toBeLessThanOrEqual(5e-3);
    expect(errors.features).toBeGreaterThan(1e-5); // f32 agrees to about 1e-6: the f16 path ran
    expect(errors.logits).toBeLessThanOrEqual(5e-3);
    const top = (logits: Float32Array, i: number) => argmax(logits.subarray(i * 1000, (i + 1) * 1000));
    for (let i = 0; i < n; i++) expect(top(errors.out.logits, i)).toBe(top(golden.logits, i));
  });
});
