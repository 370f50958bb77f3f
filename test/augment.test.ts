// GPU resize + augmentation geometry on synthetic images: identity, flip, zoom with both
// fill modes, shear, and the plain resize against the Pillow-exact CPU path.
import { describe, expect, it } from 'vitest';
import { randomAffine } from '../src/data/augment.js';
import { seededRandom } from '../src/util/random.js';
import type { RgbImage } from '../src/image/format.js';
import { PREPROCESSING, preprocess } from '../src/image/preprocess.js';
import { type Affine, IDENTITY, augmentBatch, sourceMap } from '../src/kernels/augment.js';
import { rng, seedNote, useGpu } from './helpers.js';

const S = 224;
/** R = x, G = y, B = 200: a bilinear sampler reproduces these ramps exactly inside the image. */
function ramps(w = S, h = S): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, y, 200], (y * w + x) * 3);
  return { width: w, height: h, data };
}
/** Back from normalized input to 0..255 values. */
function denormalize(out: Float32Array): Float32Array {
  return out.map((v, i) => (v * PREPROCESSING.std[i % 3] + PREPROCESSING.mean[i % 3]) * 255);
}

describe('augmentation on the GPU', () => {
  const ctx = useGpu();
  const run = async (img: RgbImage, t: Affine, fill: 'constant' | 'nearest' = 'constant') => {
    const out = await augmentBatch(ctx.gpu, [img], [t], { ...PREPROCESSING, fill, sampling: 'pillow' });
    const values = denormalize(await out.read());
    out.release();
    return (x: number, y: number, c: number) => values[(y * S + x) * 3 + c];
  };

  it('identity at 224x224 copies the image', async () => {
    const px = await run(ramps(), IDENTITY);
    for (const [x, y] of [
      [0, 0],
      [17, 200],
      [223, 223],
      [111, 5],
    ]) {
      expect(px(x, y, 0)).toBeCloseTo(x, 3);
      expect(px(x, y, 1)).toBeCloseTo(y, 3);
      expect(px(x, y, 2)).toBeCloseTo(200, 3);
    }
  });

  it('flip mirrors columns', async () => {
    const px = await run(ramps(), { ...IDENTITY, flip: true });
    for (const [x, y] of [
      [0, 3],
      [50, 60],
      [223, 100],
    ]) {
      expect(px(x, y, 0)).toBeCloseTo(223 - x, 3);
      expect(px(x, y, 1)).toBeCloseTo(y, 3);
    }
  });

  it('zoom > 1 shows more of the image; outside is black (constant) or the border (nearest)', async () => {
    const t = { ...IDENTITY, zoomX: 1.2, zoomY: 1.2 };
    const constant = await run(ramps(), t);
    const nearest = await run(ramps(), t, 'nearest');
    for (const c of [0, 1, 2]) expect(constant(0, 0, c)).toBeCloseTo(0, 3);
    expect(nearest(0, 0, 0)).toBeCloseTo(0, 3);
    expect(nearest(0, 0, 2)).toBeCloseTo(200, 3);
    expect(nearest(223, 223, 0)).toBeCloseTo(223, 3);
    // Inside, source = 1.2 (p - 112) + 112 at pixel centres, read off the ramps (the
    // stretched triangle's discrete taps are not quite symmetric: within 0.1).
    for (const [x, y] of [
      [60, 150],
      [112, 112],
      [180, 40],
    ]) {
      expect(Math.abs(constant(x, y, 0) - (1.2 * (x + 0.5 - 112) + 112 - 0.5))).toBeLessThan(0.1);
      expect(Math.abs(constant(x, y, 1) - (1.2 * (y + 0.5 - 112) + 112 - 0.5))).toBeLessThan(0.1);
    }
  });

  it('shear moves rows in proportion to the column', async () => {
    const s = 10;
    const px = await run(ramps(), { ...IDENTITY, shear: s });
    const rad = (s * Math.PI) / 180;
    for (const [x, y] of [
      [150, 120],
      [60, 100],
      [112, 30],
    ]) {
      const u = x + 0.5 - 112,
        v = y + 0.5 - 112;
      expect(px(x, y, 0)).toBeCloseTo(Math.cos(rad) * u + 112 - 0.5, 2);
      expect(px(x, y, 1)).toBeCloseTo(v - Math.sin(rad) * u + 112 - 0.5, 2);
    }
  });

  it('plain resize agrees with the Pillow-exact CPU path within 1.5/255', async () => {
    const random = rng();
    for (const [w, h] of [
      [300, 200],
      [150, 400],
      [224, 224],
      [1000, 700],
    ]) {
      const data = new Uint8Array(w * h * 3);
      // Smooth content plus noise, like a photo.
      for (let i = 0; i < data.length; i++)
        data[i] = Math.max(0, Math.min(255, 128 + 90 * Math.sin(i / 997) + 30 * (random() - 0.5)));
      const img = { width: w, height: h, data };
      const gpu = await run(img, IDENTITY);
      const cpu = preprocess(img).resized.data;
      let worst = 0;
      for (let i = 0; i < cpu.length; i++)
        worst = Math.max(worst, Math.abs(gpu(((i / 3) % S) | 0, (i / 3 / S) | 0, i % 3) - cpu[i]));
      expect(worst, `${w}x${h} ${seedNote()}`).toBeLessThanOrEqual(1.5);
    }
  });

  it("draws the article's ranges from a seed, reproducibly", () => {
    const a = Array.from(
      { length: 200 },
      (
        (r) => () =>
          randomAffine('full', r)
      )(seededRandom(9)),
    );
    const b = Array.from(
      { length: 200 },
      (
        (r) => () =>
          randomAffine('full', r)
      )(seededRandom(9)),
    );
    expect(a).toEqual(b);
    expect(
      a.every((t) => Math.abs(t.shear) <= 10 && t.zoomX >= 0.8 && t.zoomX <= 1.2 && t.zoomY >= 0.8 && t.zoomY <= 1.2),
    ).toBe(true);
    const flips = a.filter((t) => t.flip).length;
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
    expect(randomAffine('none', seededRandom(1))).toEqual(IDENTITY);
    expect(sourceMap(IDENTITY, 448, 224, 224).footprint).toEqual([2, 1]);
  });
});
