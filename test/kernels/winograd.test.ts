// The Winograd conv's own refusals; its cases against the float64 direct conv (odd sizes, partial tiles,
// every epilogue, the ResNet-50 3x3 stride-1 shapes, poisoned outputs) run from the catalogue
// (src/check/kernels.ts, catalogue.test.ts).
import { describe, expect, it } from 'vitest';
import { conv3x3Winograd } from '../../src/kernels/winograd.js';
import { useGpu } from '../support/helpers.js';

const ctx = useGpu();

// Its cases (odd sizes, every epilogue, ResNet-50's 3x3 stride-1 shapes) run from the catalogue (catalogue.test.ts).

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
