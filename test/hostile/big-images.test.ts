// Photos larger than a storage binding (three 12-megapixel photos exceed lavapipe's 128 MiB,
// the last one alone): they are resized on the CPU before the GPU sees them, so a batch of
// them gives each image's features as it gives them alone, with no GPU validation error.
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/image/format.js';
import { IDENTITY } from '../../src/kernels/augment.js';
import { loadBackbone, syntheticBackbone } from '../../src/model/backbone.js';
import { backboneFeatures } from '../../src/train/features.js';
import { relativeError } from '../../src/reference/cpu.js';
import { seededRandom } from '../../src/util/random.js';
import { useGpu } from '../support/helpers.js';

const ctx = useGpu();

/** Smooth random colour fields (so a reduced copy keeps most of the picture). */
function photo(width: number, height: number, seed: number): RgbImage {
  const r = seededRandom(seed);
  const [a, b, c] = [r(), r(), r()].map((x) => 0.5 + 4 * x);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      const u = x / width,
        v = y / height;
      data[o] = 127 + 120 * Math.sin(a * u + b * v);
      data[o + 1] = 127 + 120 * Math.sin(b * u - c * v);
      data[o + 2] = 127 + 120 * Math.cos(c * u * v + a);
    }
  }
  return { width, height, data };
}

describe('images larger than a storage binding', () => {
  it('give the features each image gives alone', async () => {
    const { gpu } = ctx;
    const binding = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
    // Packed 4 bytes a pixel: the first three together exceed the binding (lavapipe's 128 MiB,
    // or the adapter's), the last exceeds it alone.
    const side = (fraction: number) => Math.ceil(Math.sqrt((binding * fraction) / 4));
    const images = [photo(side(0.4), side(0.4), 1), photo(side(0.4), side(0.4), 2), photo(side(0.3), side(0.3), 3)];
    images.push(photo(side(1.1), side(1.1), 4));
    const model = loadBackbone(gpu, syntheticBackbone(1));
    const transforms = images.map(() => IDENTITY);
    const features = await (await backboneFeatures(gpu, model, images, transforms, 'constant')).read();
    expect(features.every(Number.isFinite)).toBe(true);
    const F = model.plan.featureSize;
    for (let i = 0; i < 3; i++) {
      const alone = await (await backboneFeatures(gpu, model, [images[i]], [IDENTITY], 'constant')).read();
      expect(relativeError(features.subarray(i * F, (i + 1) * F), alone), `image ${i}`).toBeLessThan(1e-5);
    }
    model.destroy();
  }, 300_000);
});
