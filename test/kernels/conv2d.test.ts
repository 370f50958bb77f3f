import { describe, expect, it } from 'vitest';
import { splitKFor } from '../../src/kernels/common.js';
import { conv2d, convTile } from '../../src/kernels/conv2d.js';
import { oihwToHwio } from '../../src/model/prepare.js';
import { resnet50ConvLayers } from '../../src/check/cases.js';
import { useGpu } from '../support/helpers.js';

const ctx = useGpu();

// The cases of every variant, tile and split run from the catalogue (catalogue.test.ts).
const RESNET50_CONVS = resnet50ConvLayers();

describe('conv2d (tiled, 128x128 tiles)', () => {
  it('refuses channel counts that are not multiples of 4', async () => {
    const { gpu } = ctx;
    await expect(
      conv2d(gpu, gpu.tensor([1, 4, 4, 3]), gpu.tensor([3, 3, 3, 8]), { variant: 'tiled', tile: 128 }),
    ).rejects.toThrow(/conv2d: 128x128 tiles need channel counts that are multiples of 4, got 3 -> 8/);
  });
  it('picks the 128x128 tile where its grid keeps a large GPU busy', () => {
    expect(convTile(32 * 28 * 28, 512, 128)).toBe(128);
    expect(convTile(32 * 7 * 7, 512, 512)).toBe(128); // 13 x 4 workgroups
    expect(convTile(32 * 56 * 56, 64, 64)).toBe(128); // half of each 128-wide tile idle
    expect(convTile(7 * 7, 512, 512)).toBe(64); // batch 1: 1 x 4 workgroups
    expect(convTile(32 * 112 * 112, 64, 3)).toBe(64); // the stem's 3 channels
  });
});

describe('conv2d (tiled, split-K)', () => {
  it('splits where the grid would leave a GPU idle, and only there', () => {
    const gpu = (isCpu: boolean, splitK = true) => ({ adapter: { isCpu }, splitK }) as Parameters<typeof splitKFor>[0];
    expect(splitKFor(gpu(false), 4, 256)).toBe(16); // layer4 1x1 at batch 1: 4 workgroups
    expect(splitKFor(gpu(false), 52, 256)).toBe(8); // 52 -> 416 workgroups, two per compute unit
    expect(splitKFor(gpu(false), 208, 256)).toBe(2);
    expect(splitKFor(gpu(false), 264, 256)).toBe(1); // already fills it
    expect(splitKFor(gpu(false), 4, 20)).toBe(2); // each split keeps 8 steps
    expect(splitKFor(gpu(true), 4, 256)).toBe(1); // CPU adapters: any grid fills their threads
    expect(splitKFor(gpu(false, false), 4, 256)).toBe(1); // turned off
  });
  it('refuses a split count outside 1 to the reduction steps', async () => {
    const { gpu } = ctx;
    const x = gpu.tensor([1, 4, 4, 4]),
      w = gpu.tensor([1, 1, 4, 4]);
    await expect(conv2d(gpu, x, w, { variant: 'tiled', splitK: 2 })).rejects.toThrow(
      /conv2d: splitK 2 is not a whole number from 1 to the 1 reduction steps/,
    );
    await expect(conv2d(gpu, x, w, { variant: 'tiled', splitK: 0 })).rejects.toThrow(/splitK 0/);
  });
});

describe('conv2d helpers and errors', () => {
  it('converts OIHW weights to HWIO', () => {
    const O = 3,
      I = 2,
      KH = 2,
      KW = 3;
    const oihw = Float32Array.from({ length: O * I * KH * KW }, (_, i) => i);
    const hwio = oihwToHwio(oihw, [O, I, KH, KW]);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < KH; h++)
          for (let w = 0; w < KW; w++) {
            expect(hwio[((h * KW + w) * I + i) * O + o]).toBe(oihw[((o * I + i) * KH + h) * KW + w]);
          }
  });

  it('rejects a channel mismatch', async () => {
    const { gpu } = ctx;
    await expect(conv2d(gpu, gpu.tensor([1, 4, 4, 3]), gpu.tensor([3, 3, 4, 8]))).rejects.toThrow(
      /conv2d: input has 3 channels, weight expects 4/,
    );
  });

  it("walks 23 distinct conv shapes out of ResNet-50's plan", () => {
    expect(RESNET50_CONVS).toHaveLength(23);
    expect(RESNET50_CONVS[0]).toMatchObject({ name: 'conv1', H: 224, C: 3, K: 64, kh: 7, stride: 2, pad: 3 });
    const conv3 = RESNET50_CONVS.find((l) => l.name === 'layer1.0.conv3');
    expect(conv3).toMatchObject({ H: 56, C: 64, K: 256, residual: true });
    expect(RESNET50_CONVS.map((l) => l.name)).not.toContain('layer1.0.downsample.0'); // the same shape as conv3
    expect(RESNET50_CONVS.at(-1)).toMatchObject({ name: 'layer4.1.conv2', H: 7, C: 512, K: 512, kh: 3, stride: 1 });
  });
});
