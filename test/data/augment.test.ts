// The network's input under each contract's augmentation: torchvision's images are resized
// and augmented on the CPU (bit-exact: test/data/torchvision-augment.test.ts) and the GPU copies and
// normalizes them, equal to the CPU's normalization; the draws of both contracts from a seed.
import { describe, expect, it } from 'vitest';
import { noAugmentation, randomAugmentation } from '../../src/data/augment.js';
import { drawTorchvisionAffine, torchvisionAugment } from '../../src/data/torchvision-augment.js';
import type { RgbImage } from '../../src/image/format.js';
import { CAFFE_PREPROCESSING, PREPROCESSING, preprocess, resizeFor } from '../../src/image/preprocess.js';
import { type Affine, IDENTITY } from '../../src/kernels/augment.js';
import { networkInput } from '../../src/train/features.js';
import { seededRandom } from '../../src/util/random.js';
import { rng, seedNote, useGpu } from '../support/helpers.js';

/** Smooth content plus noise, like a photo. */
function photo(w: number, h: number, random: () => number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, 128 + 90 * Math.sin(i / 997) + 30 * (random() - 0.5)));
  return { width: w, height: h, data };
}

describe('the network input under augmentation', () => {
  const ctx = useGpu();

  it("torchvision's contract: the GPU input is the CPU-augmented image, normalized as torchvision does", async () => {
    const random = rng();
    const images = [photo(300, 200, random), photo(150, 400, random), photo(224, 224, random), photo(97, 61, random)];
    const augmentations = images.map((_, i) =>
      i === 2 ? noAugmentation(PREPROCESSING) : drawTorchvisionAffine(random),
    );
    for (const fill of ['constant', 'nearest'] as const) {
      const input = await networkInput(ctx.gpu, images, augmentations, fill, PREPROCESSING);
      const got = await input.read();
      input.release();
      const per = 224 * 224 * 3;
      images.forEach((img, i) => {
        const augmented = torchvisionAugment(resizeFor(PREPROCESSING, img), augmentations[i] as never, fill);
        const want = preprocess(augmented).input;
        let worst = 0;
        for (let k = 0; k < per; k++) worst = Math.max(worst, Math.abs(got[i * per + k] - want[k]));
        // One rounding of (v / 255 - mean) / std apart: the GPU multiplies by 1 / std.
        expect(worst, `image ${i}, ${fill} ${seedNote()}`).toBeLessThanOrEqual(2e-6);
      });
    }
  });

  it("resizes each image once for every epoch (Pillow's resize is the CPU's slow step)", () => {
    const img = photo(320, 240, rng());
    expect(resizeFor(PREPROCESSING, img)).toBe(resizeFor(PREPROCESSING, img));
    expect(resizeFor(CAFFE_PREPROCESSING, img)).not.toBe(resizeFor(PREPROCESSING, img));
  });

  it("draws each contract's ranges from a seed, reproducibly", () => {
    const draw = (p: typeof PREPROCESSING, seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 200 }, () => randomAugmentation(p, 'full', r));
    };
    expect(draw(PREPROCESSING, 9)).toEqual(draw(PREPROCESSING, 9));
    const torchvision = draw(PREPROCESSING, 9) as ReturnType<typeof drawTorchvisionAffine>[];
    expect(torchvision.every((t) => t.angle === 0 && Math.abs(t.shear) <= 10 && t.scale >= 0.8 && t.scale <= 1.2)).toBe(
      true,
    );
    const keras = draw(CAFFE_PREPROCESSING, 9) as Affine[];
    expect(
      keras.every(
        (t) => Math.abs(t.shear) <= 10 && t.zoomX >= 0.8 && t.zoomX <= 1.2 && t.zoomY >= 0.8 && t.zoomY <= 1.2,
      ),
    ).toBe(true);
    for (const list of [torchvision, keras]) {
      const flips = list.filter((t) => t.flip).length;
      expect(flips).toBeGreaterThan(70);
      expect(flips).toBeLessThan(130);
    }
    expect(randomAugmentation(PREPROCESSING, 'none', seededRandom(1))).toEqual(noAugmentation(PREPROCESSING));
    expect(randomAugmentation(CAFFE_PREPROCESSING, 'none', seededRandom(1))).toEqual(IDENTITY);
    const flipOnly = randomAugmentation(PREPROCESSING, 'flip', seededRandom(3));
    expect({ ...flipOnly, flip: false }).toEqual(noAugmentation(PREPROCESSING));
  });
});
