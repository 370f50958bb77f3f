// What the kernel catalogue's cases (catalogue.test.ts) cannot say: batchnorm folded into a
// conv, pooling's padding, softmax's extremes and class weights, and Adam against float64 over
// 20 steps and against PyTorch's own steps.
import { describe, expect, it } from 'vitest';
import { type AdamGoldenCase, replayAdamGolden } from '../../src/check/goldens.js';
import { adamStep } from '../../src/kernels/adam.js';
import { foldBatchNorm } from '../../src/model/prepare.js';
import { conv2d } from '../../src/kernels/conv2d.js';
import { maxPool2d } from '../../src/kernels/pool.js';
import {
  type CrossEntropyFlavor,
  classWeightedRowScale,
  softmax,
  softmaxCrossEntropy,
} from '../../src/kernels/softmax.js';
import {
  type AdamHyper,
  adamStepRef,
  batchNormRef,
  conv2dRef,
  relativeError,
  softmaxCrossEntropyRef,
} from '../../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, fixture, useGpu } from '../support/helpers.js';

const ctx = useGpu();
const random = rng();

function positive(n: number, lo = 0.5, hi = 2): Float32Array {
  return Float32Array.from({ length: n }, () => lo + random() * (hi - lo));
}

describe('batchnorm', () => {
  it('folded into a conv equals conv followed by batchnorm', async () => {
    const { gpu } = ctx;
    const s = { N: 2, H: 9, W: 9, C: 6, K: 10, kh: 3, kw: 3, stride: 2, pad: 1 };
    const x = randomArray(s.N * s.H * s.W * s.C, random);
    const w = randomArray(9 * s.C * s.K, random, 0.3);
    const convBias = randomArray(s.K, random);
    const bn = {
      gamma: randomArray(s.K, random),
      beta: randomArray(s.K, random),
      mean: randomArray(s.K, random),
      variance: positive(s.K),
      eps: 1e-5,
    };
    const folded = foldBatchNorm(w, convBias, bn);
    const y = await conv2d(gpu, gpu.upload(x, [s.N, s.H, s.W, s.C]), gpu.upload(folded.weight, [3, 3, s.C, s.K]), {
      stride: 2,
      pad: 1,
      bias: gpu.upload(folded.bias),
      relu: true,
    });
    const want = batchNormRef(conv2dRef(x, w, s, { bias: convBias }), s.K, bn).map((v) => Math.max(v, 0));
    expect(relativeError(await y.read(), want), seedNote()).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('pooling', () => {
  it('max pool padding never wins over negative inputs', async () => {
    const { gpu } = ctx;
    const x = new Float32Array(4 * 4).fill(-7);
    const y = await (await maxPool2d(gpu, gpu.upload(x, [1, 4, 4, 1]), { kernel: 3, stride: 2, pad: 1 })).read();
    expect([...y]).toEqual([-7, -7, -7, -7]);
  });
});

describe('softmax and cross-entropy', () => {
  it("class-weighted cross-entropy: PyTorch's CrossEntropyLoss(weight) and Keras's class_weight", async () => {
    const { gpu } = ctx;
    for (const c of controlsGolden.weightedCrossEntropy) {
      const run = async (flavor: CrossEntropyFlavor) => {
        const rowScale = classWeightedRowScale(c.labels, c.classWeights, flavor);
        const loss = poisoned(gpu, [1]);
        const grad = poisoned(gpu, [c.rows, c.cols]);
        const logits = gpu.upload(Float32Array.from(c.logits), [c.rows, c.cols]);
        const labels = gpu.upload(Uint32Array.from(c.labels));
        await softmaxCrossEntropy(gpu, logits, labels, { loss, grad }, flavor, gpu.upload(rowScale));
        return { loss: (await loss.read())[0], grad: await grad.read() };
      };
      const torch = await run('pytorch');
      expect(Math.abs(torch.loss - c.loss) / c.loss).toBeLessThanOrEqual(1e-5);
      expect(relativeError(torch.grad, c.grad)).toBeLessThanOrEqual(1e-5);
      // Keras 2.2.2: mean over the batch of weight x the sample's loss (training.py, weighted_masked_objective).
      const keras = await run('keras');
      const plain = softmaxCrossEntropyRef(c.logits, c.labels, c.rows, c.cols);
      const w = c.labels.map((y) => c.classWeights[y]);
      let want = 0;
      const wantGrad = new Float64Array(plain.grad.length);
      for (let r = 0; r < c.rows; r++) {
        const row = softmaxCrossEntropyRef(c.logits.slice(r * c.cols, (r + 1) * c.cols), [c.labels[r]], 1, c.cols);
        want += (w[r] * row.loss) / c.rows;
        row.grad.forEach((g, k) => (wantGrad[r * c.cols + k] = (w[r] * g) / c.rows));
      }
      expect(Math.abs(keras.loss - want) / want).toBeLessThanOrEqual(1e-5);
      expect(relativeError(keras.grad, wantGrad)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('huge logits stay finite', async () => {
    const { gpu } = ctx;
    const x = new Float32Array([1e30, -1e30, 3e38, 0, 88, 89]);
    const { loss } = await softmaxCrossEntropy(gpu, gpu.upload(x, [3, 2]), gpu.upload(new Uint32Array([1, 0, 0])));
    const want = softmaxCrossEntropyRef(x, [1, 0, 0], 3, 2).loss;
    expect((await loss.read())[0]).toBeCloseTo(want, 0);
    const p = await (await softmax(gpu, gpu.upload(x, [3, 2]))).read();
    expect([...p].every(Number.isFinite)).toBe(true);
  });

  it('an out-of-range label gives NaN, not a silent number', async () => {
    const { gpu } = ctx;
    const { loss } = await softmaxCrossEntropy(
      gpu,
      gpu.upload(new Float32Array([1, 2, 3, 4]), [2, 2]),
      gpu.upload(new Uint32Array([0, 2])),
    );
    expect(Number.isNaN((await loss.read())[0])).toBe(true);
  });
});

const controlsGolden = JSON.parse(new TextDecoder().decode(await fixture('controls-golden.json'))) as {
  weightedCrossEntropy: {
    rows: number;
    cols: number;
    logits: number[];
    labels: number[];
    classWeights: number[];
    loss: number;
    grad: number[];
  }[];
};

const adamGolden = JSON.parse(new TextDecoder().decode(await fixture('adam-golden.json'))) as {
  cases: AdamGoldenCase[];
};

describe('adam', () => {
  for (const flavor of ['pytorch', 'pytorch-0.4.1', 'keras'] as const) {
    it(`matches the float64 reference over 20 steps with weight decay (${flavor})`, async () => {
      const { gpu } = ctx;
      const n = 1031;
      const h: AdamHyper = { lr: 3e-3, beta1: 0.85, beta2: 0.995, eps: 1e-7, weightDecay: 0.01, flavor };
      const p0 = randomArray(n, random);
      const param = gpu.upload(p0),
        m = gpu.upload(new Float32Array(n)),
        v = gpu.upload(new Float32Array(n));
      const ref = { p: Float64Array.from(p0), m: new Float64Array(n), v: new Float64Array(n) };
      for (let step = 1; step <= 20; step++) {
        // Some gradients tiny, where epsilon sits decides the step.
        const g = randomArray(n, random, step % 4 === 0 ? 1e-6 : 0.1);
        await adamStep(gpu, param, gpu.upload(g), m, v, step, h);
        adamStepRef(ref.p, g, ref.m, ref.v, step, h);
        expect(relativeError(await param.read(), ref.p), `${seedNote()} step ${step}`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(relativeError(await m.read(), ref.m)).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(await v.read(), ref.v)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('PyTorch 0.4.1 and today differ where v is small, as their formulas do', () => {
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const run = (flavor: AdamHyper['flavor']) => {
      const p = new Float64Array([1, 1]);
      const m = new Float64Array(2),
        v = new Float64Array(2);
      for (let step = 1; step <= 3; step++) adamStepRef(p, [1e-7, 1], m, v, step, { ...h, flavor });
      return p;
    };
    const [today, old] = [run('pytorch'), run('pytorch-0.4.1')];
    expect(Math.abs(today[0] - old[0]) / Math.abs(1 - today[0])).toBeGreaterThan(1e-3);
    expect(today[1]).toBeCloseTo(old[1], 7);
  });

  for (const c of adamGolden.cases) {
    it(`matches torch.optim.Adam step by step (${c.name})`, async () => {
      expect(await replayAdamGolden(ctx.gpu, c)).toBeLessThanOrEqual(1e-6);
    });
  }
});
