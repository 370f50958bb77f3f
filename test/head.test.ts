// The head's autograd + Adam against PyTorch (golden from tools/make-head-golden.py, float64):
// 20 steps with the same features, initial weights and batch order; losses and final weights
// within relative error 1e-5.
import { describe, expect, it } from 'vitest';
import { HEAD_PARAMETERS, Head, type HeadWeights, initHead } from '../src/autograd/head.js';
import { uniformStream } from '../src/model/synthetic.js';
import { relativeError } from '../src/reference/cpu.js';
import { toFloat32 } from '../src/weights/host-tensor.js';
import { parseSafetensors } from '../src/weights/safetensors.js';
import { fixture, useGpu } from './helpers.js';

const golden = parseSafetensors(await fixture('head-golden.safetensors'), 'head-golden');
const m = Object.fromEntries(Object.entries(golden.metadata).map(([k, v]) => [k, Number(v)]));

function uniform(stream: number, n: number, bound: number): Float32Array {
  return Float32Array.from(uniformStream(m.seed, stream, n), (u) => (2 * u - 1) * bound);
}

// Detected: the adapter's own kernel choice; 'gpu': the choice made for real GPUs (tiled GEMMs).
describe.each(['detected', 'gpu'] as const)('head training against torch.optim.Adam, kernels for the %s adapter', (kind) => {
  const ctx = useGpu(kind === 'gpu' ? { kernelsFor: 'gpu' } : {});

  it('20 steps: losses and weights within 1e-5', async () => {
    const { gpu } = ctx;
    const F = m.features, H = m.hidden, C = m.classes;
    const features = Float32Array.from(uniformStream(m.seed, 0, m.samples * F), (u) => u * 3);
    const labels = Uint32Array.from(uniformStream(m.seed, 1, m.samples), (u) => Math.floor(u * C));
    const init: HeadWeights = {
      'fc1.weight': uniform(2, H * F, 1 / Math.sqrt(F)),
      'fc1.bias': uniform(3, H, 1 / Math.sqrt(F)),
      'fc2.weight': uniform(4, C * H, 1 / Math.sqrt(H)),
      'fc2.bias': uniform(5, C, 1 / Math.sqrt(H)),
    };
    const head = new Head(gpu, { features: F, hidden: H, classes: C }, init, { lr: m.lr });
    const losses: number[] = [];
    for (let step = 0; step < m.steps; step++) {
      const start = (step * m.batch) % m.samples;
      const x = gpu.upload(features.subarray(start * F, (start + m.batch) * F), [m.batch, F]);
      const y = gpu.upload(labels.subarray(start, start + m.batch), [m.batch]);
      const { loss, logits } = await head.trainStep(x, y);
      losses.push((await loss.read())[0]);
      for (const t of [x, y, loss, logits]) t.release();
    }
    expect(relativeError(Float32Array.from(losses), toFloat32(golden.tensors.get('losses')!))).toBeLessThan(1e-5);
    const final = await head.weights();
    for (const name of HEAD_PARAMETERS) {
      expect(relativeError(final[name], toFloat32(golden.tensors.get(name)!)), name).toBeLessThan(1e-5);
    }
    // The update moved the weights far more than the tolerance.
    expect(relativeError(init['fc2.weight'], toFloat32(golden.tensors.get('fc2.weight')!))).toBeGreaterThan(1e-2);
    head.destroy();
  });
});

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
