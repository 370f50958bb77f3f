// Keras's data path against PIL, numpy and scipy (tools/make-keras-preprocess-golden.py):
// load_img's nearest resize and preprocess_input('caffe') equal them to the bit on every
// validation image; ImageDataGenerator's transform (shear, zoom, flip, fill, order 1) on the
// GPU equals scipy.ndimage.affine_transform as keras-preprocessing 1.0.2 calls it, within
// 1/255 per value after caffe; and Keras 2.2.2's Adam and cross-entropy against their formulas.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resampleTarget } from '../../src/data/augment.js';
import { decodeImage } from '../../src/image/decode.node.js';
import { CAFFE_PREPROCESSING, preprocess } from '../../src/image/preprocess.js';
import { Adam, KERAS_ADAM_DEFAULTS } from '../../src/kernels/adam.js';
import { augmentBatch } from '../../src/kernels/augment.js';
import { softmaxCrossEntropy } from '../../src/kernels/softmax.js';
import { uniformStream } from '../../src/util/random.js';
import { relativeError } from '../../src/reference/cpu.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { randomArray, rng, seedNote, useGpu } from '../support/helpers.js';

const ctx = useGpu();
const random = rng();
const VALIDATION = '../shared/datasets/alien-vs-predator/validation';
const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

describe("Keras's load_img and preprocess_input('caffe')", () => {
  it.skipIf(!existsSync(VALIDATION))('equal PIL and numpy to the bit on every validation image', () => {
    const golden = JSON.parse(readFileSync('test/fixtures/keras-preprocess-sha256.json', 'utf8')).validation as Record<
      string,
      { nearest: string; caffe: string }
    >;
    const files = Object.keys(golden);
    expect(files.length).toBe(200);
    const wrong: string[] = [];
    for (const file of files) {
      const img = decodeImage(new Uint8Array(readFileSync(join(VALIDATION, file))), file);
      const { resized, input } = preprocess(img, 224, CAFFE_PREPROCESSING);
      if (sha(resized.data) !== golden[file].nearest) wrong.push(`${file} (resize)`);
      else if (sha(input) !== golden[file].caffe) wrong.push(`${file} (caffe)`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("ImageDataGenerator's transform on the GPU", () => {
  it('equals scipy.ndimage.affine_transform (order 1) then flip_axis, then caffe, within 1/255', async () => {
    const golden = parseSafetensors(
      new Uint8Array(readFileSync('test/fixtures/keras-augment-golden.safetensors')),
      'g',
    );
    const size = Number(golden.metadata.size);
    const data = Uint8Array.from(uniformStream(Number(golden.metadata.seed), 0, size * size * 3), (u) =>
      Math.floor(u * 256),
    );
    const cases = JSON.parse(golden.metadata.cases) as {
      shear: number;
      zx: number;
      zy: number;
      flip: boolean;
      fill: 'nearest' | 'constant';
    }[];
    for (const [k, c] of cases.entries()) {
      const target = { ...resampleTarget(CAFFE_PREPROCESSING, c.fill), size };
      // Keras's zx scales rows (our zoomY), zy columns (zoomX).
      const affine = { shear: c.shear, zoomX: c.zy, zoomY: c.zx, flip: c.flip };
      const out = await augmentBatch(ctx.gpu, [{ width: size, height: size, data }], [affine], target);
      const got = await out.read();
      out.release();
      const want = toFloat32(golden.tensors.get(`case${k}`)!);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      console.log(`transform ${JSON.stringify(c)}: worst ${worst.toExponential(2)} from scipy`);
      expect(worst, `case ${k}: ${JSON.stringify(c)}`).toBeLessThanOrEqual(1 / 255);
    }
  });
});

describe("Keras 2.2.2's optimizer and loss", () => {
  it('Adam: 20 steps equal the formula of keras/optimizers.py within 1e-5', async () => {
    const { gpu } = ctx;
    const n = 37;
    const initial = randomArray(n, random);
    const grads = Array.from({ length: 20 }, () => randomArray(n, random, 0.1));
    const param = gpu.upload(initial);
    const adam = new Adam(gpu, [param], KERAS_ADAM_DEFAULTS);
    const p = Float64Array.from(initial),
      m = new Float64Array(n),
      v = new Float64Array(n);
    const { lr, beta1, beta2, eps } = KERAS_ADAM_DEFAULTS;
    let worst = 0;
    for (let t = 1; t <= 20; t++) {
      await adam.update([gpu.upload(grads[t - 1])]);
      const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (let i = 0; i < n; i++) {
        const g = grads[t - 1][i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
      }
      const got = await param.read();
      worst = Math.max(worst, relativeError(got, p));
    }
    expect(worst, seedNote()).toBeLessThanOrEqual(1e-5);
    expect(eps).toBe(1e-7);
  });

  it('sparse_categorical_crossentropy: clipped probabilities, the gradient through the clip', async () => {
    const { gpu } = ctx;
    // Row 0 ordinary; row 1 so confident that its small probability is clipped at 1e-7.
    const logits = Float32Array.from([0.3, -1.2, 2.0, 20, -0.5, 0.1]);
    const labels = Uint32Array.from([2, 1]);
    const { loss, grad } = await softmaxCrossEntropy(
      gpu,
      gpu.upload(logits, [2, 3]),
      gpu.upload(labels, [2]),
      undefined,
      'keras',
    );
    const eps = 1e-7;
    let want = 0;
    const wantGrad: number[] = [];
    for (let r = 0; r < 2; r++) {
      const z = Array.from(logits.subarray(r * 3, r * 3 + 3));
      const mx = Math.max(...z);
      const e = z.map((x) => Math.exp(x - mx));
      const s = e.reduce((a, b) => a + b);
      const p = e.map((x) => x / s);
      const c = p.map((x) => Math.min(Math.max(x, eps), 1 - eps));
      const S = c.reduce((a, b) => a + b);
      want += (Math.log(S) - Math.log(c[labels[r]])) / 2;
      const g = p.map((x, j) => (x >= eps && x <= 1 - eps ? (j === labels[r] ? -1 / c[j] : 0) + 1 / S : 0));
      const dot = p.reduce((a, x, j) => a + x * g[j], 0);
      wantGrad.push(...p.map((x, j) => (x * (g[j] - dot)) / 2));
    }
    expect(Math.abs((await loss.read())[0] - want) / want).toBeLessThanOrEqual(1e-5);
    const got = await grad.read();
    // Row 1's label has p ~ 1e-9, clipped: no gradient reaches it or the others through it.
    expect(Math.abs(got[4])).toBeLessThan(1e-6);
    for (let i = 0; i < 6; i++) expect(Math.abs(got[i] - wantGrad[i])).toBeLessThanOrEqual(1e-6);
  });
});
