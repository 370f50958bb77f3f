// Training-mode batchnorm (batch statistics over N, H and W, the running-statistics update)
// against the float64 reference, on odd shapes and ResNet-50's, with the batch in one chunk
// or split along N as the binding limit splits it.
import { describe, expect, it } from 'vitest';
import { batchNormApply, batchStatistics } from '../../src/kernels/batchnorm-train.js';
import { batchNormTrainRef, relativeError } from '../../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, seedNote, useGpu } from '../support/helpers.js';

const ctx = useGpu();
const random = rng();

const CASES: { shape: [number, number, number, number]; chunks: number[]; residual: boolean; relu: boolean }[] = [
  { shape: [2, 5, 3, 7], chunks: [2], residual: false, relu: false },
  { shape: [3, 1, 1, 5], chunks: [1, 2], residual: true, relu: true },
  { shape: [5, 9, 11, 67], chunks: [2, 1, 2], residual: true, relu: false },
  { shape: [4, 112, 112, 64], chunks: [3, 1], residual: false, relu: true },
  { shape: [4, 56, 56, 256], chunks: [4], residual: true, relu: true },
  { shape: [6, 7, 7, 2048], chunks: [2, 4], residual: true, relu: true },
];

describe('batchnorm in training mode', () => {
  for (const { shape, chunks, residual, relu } of CASES) {
    const [N, H, W, C] = shape;
    const extras = `${residual ? ', shortcut' : ''}${relu ? ', ReLU' : ''}`;
    it(`[${shape}] in chunks of ${chunks.join('+')} images${extras}`, async () => {
      const { gpu } = ctx;
      // An offset mean checks the two-pass variance.
      const x = randomArray(N * H * W * C, random, 2).map((v, i) => v + 3 + (i % C) * 0.01);
      const res = residual ? randomArray(x.length, random) : undefined;
      const layer = {
        gamma: randomArray(C, random),
        beta: randomArray(C, random),
        runningMean: randomArray(C, random),
        runningVar: Float32Array.from({ length: C }, () => 0.5 + random()),
        eps: 1e-5,
        momentum: 0.1,
      };
      const want = batchNormTrainRef(x, C, layer, { residual: res, relu });
      const per = H * W * C;
      let start = 0;
      const parts = chunks.map((n) => {
        const t = gpu.upload(x.subarray(start * per, (start + n) * per), [n, H, W, C]);
        const r = res ? gpu.upload(res.subarray(start * per, (start + n) * per), [n, H, W, C]) : undefined;
        start += n;
        return { t, r };
      });
      const running = gpu.upload(new Float32Array([...layer.runningMean, ...layer.runningVar]), [2, C]);
      const gpuLayer = { gamma: gpu.upload(layer.gamma), beta: gpu.upload(layer.beta), running, eps: layer.eps };
      const stats = await batchStatistics(
        gpu,
        parts.map((p) => p.t),
        gpuLayer,
        { updateRunning: true, momentum: layer.momentum },
      );
      for (const p of parts) await batchNormApply(gpu, p.t, stats, { residual: p.r, relu });
      const y = new Float32Array(x.length);
      let offset = 0;
      for (const p of parts) {
        y.set(await p.t.read(), offset);
        offset += p.t.size;
      }
      const s = await stats.read();
      const r = await running.read();
      expect(relativeError(s.subarray(0, C), want.mean), seedNote()).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(s.subarray(C, 2 * C), want.variance), seedNote()).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(y, want.y), seedNote()).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(r.subarray(0, C), want.runningMean), seedNote()).toBeLessThanOrEqual(TOLERANCE);
      expect(relativeError(r.subarray(C), want.runningVar), seedNote()).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('leaves the running statistics alone without updates (Keras 2.2 frozen layers), writes every output', async () => {
    const { gpu } = ctx;
    const C = 9;
    const x = randomArray(3 * 4 * 4 * C, random, 2);
    const before = new Float32Array([
      ...randomArray(C, random),
      ...Float32Array.from({ length: C }, () => 1 + random()),
    ]);
    const running = gpu.upload(before, [2, C]);
    const gamma = randomArray(C, random),
      beta = randomArray(C, random);
    const stats = await batchStatistics(
      gpu,
      [gpu.upload(x, [3, 4, 4, C])],
      { gamma: gpu.upload(gamma), beta: gpu.upload(beta), running, eps: 1e-3 },
      { updateRunning: false, momentum: 0.1 },
    );
    const out = poisoned(gpu, [3, 4, 4, C]);
    out.write(x);
    await batchNormApply(gpu, out, stats);
    const want = batchNormTrainRef(x, C, {
      gamma,
      beta,
      runningMean: before,
      runningVar: before,
      eps: 1e-3,
      momentum: 0,
    });
    expect(relativeError(await out.read(), want.y), seedNote()).toBeLessThanOrEqual(TOLERANCE);
    expect(Array.from(await running.read())).toEqual(Array.from(before));
  });
});
