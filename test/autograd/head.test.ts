// The head's autograd + Adam against PyTorch (golden from tools/make-head-golden.py, float64):
// 20 steps with the same features, initial weights and batch order; losses and final weights
// within relative error 1e-5.
import { describe, expect, it } from 'vitest';
import { initHead } from '../../src/autograd/head.js';
import { replayHeadGolden } from '../../src/check/goldens.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { fixture, useGpu } from '../support/helpers.js';

const golden = parseSafetensors(await fixture('head-golden.safetensors'), 'head-golden');

// Detected: the adapter's own kernel choice; 'gpu': the choice made for real GPUs (tiled GEMMs).
describe.each(['detected', 'gpu'] as const)(
  'head training against torch.optim.Adam, kernels for the %s adapter',
  (kind) => {
    const ctx = useGpu(kind === 'gpu' ? { kernelsFor: 'gpu' } : {});

    it('20 steps: losses and weights within 1e-5', async () => {
      const errors = await replayHeadGolden(ctx.gpu, golden);
      expect(errors.losses).toBeLessThan(1e-5);
      for (const [name, error] of Object.entries(errors.weights)) expect(error, name).toBeLessThan(1e-5);
      // The update moved the weights far more than the tolerance.
      expect(errors.moved).toBeGreaterThan(1e-2);
    });
  },
);

describe('head initialisation', () => {
  it('initialises like torch.nn.Linear: uniform within +-1/sqrt(fan_in), seeded', () => {
    const a = initHead({ features: 2048, hidden: 128, classes: 2 }, 5);
    const b = initHead({ features: 2048, hidden: 128, classes: 2 }, 5);
    expect(a['fc1.weight']).toEqual(b['fc1.weight']);
    const bound = 1 / Math.sqrt(2048);
    const w = a['fc1.weight'];
    const max = w.reduce((a, v) => Math.max(a, v), -Infinity);
    const min = w.reduce((a, v) => Math.min(a, v), Infinity);
    expect(max).toBeLessThanOrEqual(bound);
    expect(min).toBeGreaterThanOrEqual(-bound);
    expect(max).toBeGreaterThan(0.99 * bound);
    expect(min).toBeLessThan(-0.99 * bound);
    expect(Math.max(...a['fc2.bias'].map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(128));
  });
});
