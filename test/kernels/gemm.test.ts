import { describe, expect, it } from 'vitest';
import { BATCHED_GEMM_CASES } from '../../src/check/cases.js';
import { KERNEL_VARIANTS, broadcastWorkgroup, supportsVariant } from '../../src/kernels/common.js';
import type { Gpu } from '../../src/gpu/context.js';
import { batchedGemm, gemm } from '../../src/kernels/gemm.js';
import { gemmRef, relativeError } from '../../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, skipUnsupported, useGpu } from '../support/helpers.js';

const ctx = useGpu();

// The cases of every variant and tile run from the catalogue (catalogue.test.ts).
describe.each(KERNEL_VARIANTS)('gemm (%s)', (variant) => {
  skipUnsupported(ctx, variant);
  const random = rng();
  it('without bias or ReLU leaves negative values', async () => {
    const { gpu } = ctx;
    const a = randomArray(9 * 11, random),
      b = randomArray(11 * 12, random);
    const got = await (await gemm(gpu, gpu.upload(a, [9, 11]), gpu.upload(b, [11, 12]), { variant })).read();
    const want = gemmRef(a, b, 9, 12, 11);
    expect(Math.min(...got)).toBeLessThan(0);
    expect(relativeError(got, want), seedNote()).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('batched gemm (broadcast)', () => {
  skipUnsupported(ctx, 'broadcast');
  const random = rng();
  for (const [batch, M, N, K] of BATCHED_GEMM_CASES) {
    it(`${batch} x M=${M} N=${N} K=${K}`, async () => {
      const { gpu } = ctx;
      const a = randomArray(batch * M * K, random),
        b = randomArray(batch * K * N, random);
      const out = poisoned(gpu, [batch, M, N]);
      (await batchedGemm(gpu, [batch, M, N, K]))(gpu.upload(a, [batch, M, K]), gpu.upload(b, [batch, K, N]), out);
      const got = await out.read();
      const want = new Float64Array(batch * M * N);
      for (let z = 0; z < batch; z++)
        want.set(
          gemmRef(a.subarray(z * M * K, (z + 1) * M * K), b.subarray(z * K * N, (z + 1) * K * N), M, N, K),
          z * M * N,
        );
      expect(relativeError(got, want), seedNote()).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});

describe('variant support', () => {
  const adapter = (subgroupMinSize: number, subgroupMaxSize: number) =>
    ({ adapter: { subgroupMinSize, subgroupMaxSize } }) as unknown as Gpu;
  it('runs broadcast only with subgroups of 8 or 16 lanes, in whole subgroups', () => {
    for (const [min, max, ok] of [
      [0, 0, false],
      [4, 4, false],
      [4, 8, false],
      [8, 8, true],
      [8, 16, true],
      [16, 16, true],
      [32, 32, false],
      [8, 32, false],
    ] as const) {
      expect(supportsVariant(adapter(min, max), 'broadcast'), `${min}-${max}`).toBe(ok);
      expect(supportsVariant(adapter(min, max), 'register')).toBe(true);
    }
    expect(broadcastWorkgroup(adapter(8, 8), 8)).toBe(8);
    expect(broadcastWorkgroup(adapter(8, 8), 9)).toBe(16);
    expect(broadcastWorkgroup(adapter(8, 16), 4)).toBe(16);
  });
});

describe('gemm errors', () => {
  it('rejects mismatched inner dimensions', async () => {
    const { gpu } = ctx;
    await expect(gemm(gpu, gpu.tensor([3, 4]), gpu.tensor([5, 6]))).rejects.toThrow(
      /gemm: inner dimensions differ \(4 vs 5\)/,
    );
  });
});
