import { describe, expect, it } from 'vitest';
import { VARIANTS } from '../src/kernels/common.js';
import { conv2d, oihwToHwio } from '../src/kernels/conv2d.js';
import { RESNET50_CONV_SHAPES } from '../src/kernels/resnet50-shapes.js';
import { type ConvShape, conv2dRef, convOutSize, relativeError } from '../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, skipUnsupported, useGpu } from './helpers.js';

const ctx = useGpu();

// Odd channel counts (not multiples of 4 or of any tile), odd sizes, pads and strides.
const ODD: ConvShape[] = [
  { N: 2, H: 9, W: 7, C: 5, K: 7, kh: 3, kw: 3, stride: 1, pad: 1 },
  { N: 3, H: 11, W: 13, C: 3, K: 10, kh: 5, kw: 3, stride: 2, pad: 2 },
  { N: 1, H: 8, W: 8, C: 16, K: 12, kh: 1, kw: 1, stride: 2, pad: 0 },
  { N: 2, H: 10, W: 6, C: 1, K: 1, kh: 3, kw: 3, stride: 3, pad: 0 },
  { N: 1, H: 17, W: 15, C: 33, K: 68, kh: 7, kw: 7, stride: 2, pad: 3 },
  { N: 5, H: 3, W: 3, C: 130, K: 132, kh: 3, kw: 3, stride: 1, pad: 1 },
];

async function check(variant: (typeof VARIANTS)[number], s: ConvShape, random: () => number, epilogue: { bias: boolean; residual: boolean; relu: boolean }) {
  const { gpu } = ctx;
  const { OH, OW } = convOutSize(s);
  const x = randomArray(s.N * s.H * s.W * s.C, random);
  const w = randomArray(s.kh * s.kw * s.C * s.K, random, 1 / Math.sqrt(s.kh * s.kw * s.C));
  const bias = epilogue.bias ? randomArray(s.K, random) : undefined;
  const residual = epilogue.residual ? randomArray(s.N * OH * OW * s.K, random) : undefined;
  const out = poisoned(gpu, [s.N, OH, OW, s.K]);
  await conv2d(gpu, gpu.upload(x, [s.N, s.H, s.W, s.C]), gpu.upload(w, [s.kh, s.kw, s.C, s.K]), {
    stride: s.stride, pad: s.pad, relu: epilogue.relu, variant, out,
    bias: bias && gpu.upload(bias), residual: residual && gpu.upload(residual, [s.N, OH, OW, s.K]),
  });
  const got = await out.read();
  const want = conv2dRef(x, w, s, { bias, residual, relu: epilogue.relu });
  expect(relativeError(got, want), seedNote()).toBeLessThanOrEqual(TOLERANCE);
  out.release();
}

describe.each(VARIANTS)('conv2d (%s)', (variant) => {
  skipUnsupported(ctx, variant);
  const random = rng();
  ODD.forEach((s, i) => {
    it(`odd shape ${JSON.stringify(s)}`, () => check(variant, s, random, { bias: i % 2 === 0, residual: i % 3 !== 1, relu: i % 2 === 1 }));
  });
  for (const l of RESNET50_CONV_SHAPES) {
    it(`ResNet-50 ${l.name} ${l.H}x${l.W}x${l.C} -> ${l.K}, ${l.kernel}x${l.kernel}/${l.stride}`, () =>
      check(variant, { N: 1, H: l.H, W: l.W, C: l.C, K: l.K, kh: l.kernel, kw: l.kernel, stride: l.stride, pad: l.pad }, random,
        { bias: true, residual: l.name.endsWith('expand'), relu: !l.name.endsWith('downsample') }));
  }
});

describe('conv2d helpers and errors', () => {
  it('converts OIHW weights to HWIO', () => {
    const O = 3, I = 2, KH = 2, KW = 3;
    const oihw = Float32Array.from({ length: O * I * KH * KW }, (_, i) => i);
    const hwio = oihwToHwio(oihw, [O, I, KH, KW]);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < KH; h++) for (let w = 0; w < KW; w++) {
      expect(hwio[((h * KW + w) * I + i) * O + o]).toBe(oihw[((o * I + i) * KH + h) * KW + w]);
    }
  });

  it('rejects a channel mismatch', async () => {
    const { gpu } = ctx;
    await expect(conv2d(gpu, gpu.tensor([1, 4, 4, 3]), gpu.tensor([3, 3, 4, 8]))).rejects.toThrow(/conv2d: input has 3 channels, weight expects 4/);
  });

  it('has 23 distinct ResNet-50 conv shapes', () => {
    expect(RESNET50_CONV_SHAPES).toHaveLength(23);
  });
});
