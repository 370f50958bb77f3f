// The pytorch recipe's augmentation against torchvision 0.2.1 on Pillow
// (tools/make-torchvision-augment-golden.py): on every image of the article's dataset,
// Resize((224, 224)) and then RandomAffine(0, shear=10, scale=(0.8, 1.2)) with recorded
// parameters and RandomHorizontalFlip give the same bytes; the parameters are drawn as
// get_params draws them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ARTICLE_RANDOM_AFFINE,
  drawTorchvisionAffine,
  inverseAffineMatrix,
  torchvisionAugment,
} from '../../src/data/torchvision-augment.js';
import { affineNearest } from '../../src/image/affine.js';
import type { RgbImage } from '../../src/image/format.js';
import { readImage } from '../../src/image/files.node.js';
import { resizeBilinearAntialias } from '../../src/image/resize.js';
import { seededRandom } from '../../src/util/random.js';
import { SEED } from '../support/helpers.js';

const DATASET = '../shared/datasets/alien-vs-predator';

interface Case {
  file: string;
  resized: string;
  angle: number;
  scale: number;
  shear: number;
  flip: boolean;
  augmented: string;
}
const golden = JSON.parse(readFileSync('test/fixtures/torchvision-augment-golden.json', 'utf8')) as {
  cases: Case[];
};
const digest = (img: RgbImage) => createHash('sha256').update(img.data).digest('hex').slice(0, 16);

describe('torchvision 0.2.1 augmentation on Pillow', () => {
  it.skipIf(!existsSync(DATASET))(
    'every dataset image: the resize and the augmentation equal torchvision and Pillow to the byte',
    () => {
      let resized: RgbImage | null = null;
      let last = '';
      const wrong: string[] = [];
      for (const c of golden.cases) {
        if (c.file !== last) {
          resized = resizeBilinearAntialias(readImage(join(DATASET, c.file)), 224, 224);
          last = c.file;
          if (digest(resized) !== c.resized) wrong.push(`${c.file}: resize`);
        }
        if (digest(torchvisionAugment(resized!, c)) !== c.augmented)
          wrong.push(`${c.file}: scale ${c.scale}, shear ${c.shear}, flip ${c.flip}`);
      }
      expect(new Set(golden.cases.map((c) => c.file)).size).toBe(894);
      expect(wrong).toEqual([]);
    },
    300_000,
  );

  it('takes each of Pillow paths: scaling only, 16.16 fixed point, and doubles past +-32768', () => {
    const img = { width: 5, height: 4, data: Uint8Array.from({ length: 60 }, (_, i) => i) };
    const pixel = (im: RgbImage, x: number, y: number) =>
      Array.from(im.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3));
    // Scaling: output (x + 0.5) * 2 - 0.5 truncated; past the image, black.
    const scaled = affineNearest(img, [2, 0, -0.5, 0, 1, 0]);
    expect(pixel(scaled, 1, 0)).toEqual(pixel(img, 2, 0));
    expect(pixel(scaled, 3, 0)).toEqual([0, 0, 0]);
    // A shear along x in fixed point, the nearest border where asked.
    const sheared = affineNearest(img, [1, 0.5, 0, 0, 1, 0], 'nearest');
    expect(pixel(sheared, 4, 3)).toEqual(pixel(img, 4, 3));
    // Positions beyond the fixed-point range: the double path (everything outside: black).
    expect(Array.from(affineNearest(img, [1, 0.5, 40000, 0, 1, 0]).data).every((v) => v === 0)).toBe(true);
    expect(() => affineNearest(img, [1, 0, 0, 0, 1])).toThrow(/6 finite numbers/);
  });

  it('draws the parameters as RandomAffine.get_params and RandomHorizontalFlip do', () => {
    const random = seededRandom(SEED);
    const draws = Array.from({ length: 20000 }, () => drawTorchvisionAffine(random));
    const r = ARTICLE_RANDOM_AFFINE;
    expect(draws.every((d) => d.angle === 0)).toBe(true);
    expect(Math.min(...draws.map((d) => d.scale))).toBeGreaterThanOrEqual(r.scale[0]);
    expect(Math.max(...draws.map((d) => d.scale))).toBeLessThan(r.scale[1]);
    expect(Math.min(...draws.map((d) => d.shear))).toBeGreaterThanOrEqual(r.shear[0]);
    expect(Math.max(...draws.map((d) => d.shear))).toBeLessThan(r.shear[1]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const scales = draws.map((d) => d.scale),
      shears = draws.map((d) => d.shear),
      flips = draws.map((d) => (d.flip ? 1 : 0));
    // Uniform: means at the centre, variances (b - a)^2 / 12; flips fair; no correlations.
    expect(mean(scales)).toBeCloseTo(1.0, 2);
    expect(mean(shears)).toBeCloseTo(0, 0);
    expect(mean(scales.map((s) => (s - 1) ** 2))).toBeCloseTo(0.16 / 12, 3);
    expect(mean(flips)).toBeCloseTo(0.5, 1);
    const corr = (a: number[], b: number[]) => {
      const ma = mean(a),
        mb = mean(b);
      const cov = mean(a.map((x, i) => (x - ma) * (b[i] - mb)));
      return cov / Math.sqrt(mean(a.map((x) => (x - ma) ** 2)) * mean(b.map((x) => (x - mb) ** 2)));
    };
    for (const [a, b] of [
      [scales, shears],
      [scales, flips],
      [shears, flips],
    ])
      expect(Math.abs(corr(a, b))).toBeLessThan(0.03);
  });

  it("builds the inverse matrix about the image's centre with the shear along x", () => {
    // No shear, scale 2: half-size steps about the centre (w/2 + 0.5, h/2 + 0.5).
    const m = inverseAffineMatrix([112.5, 112.5], 0, [0, 0], 2, 0);
    expect(m.map((v) => +v.toFixed(12))).toEqual([0.5, 0, 56.25, 0, 0.5, 56.25]);
    // A shear of s: x_in depends on y (tan s / scale), y_in gains 1 / (scale cos s).
    const s = (10 * Math.PI) / 180;
    const sheared = inverseAffineMatrix([0, 0], 0, [0, 0], 1, 10);
    expect(sheared[1]).toBeCloseTo(Math.tan(s), 12);
    expect(sheared[3]).toBeCloseTo(0, 12);
    expect(sheared[4]).toBeCloseTo(1 / Math.cos(s), 12);
  });
});
