// Backbone features of decoded images: the GPU resize/augmentation into the network's input,
// then the frozen ResNet, in chunks the adapter can hold: at most ResNet.maxBatch() images, and
// source pixels that fit one storage binding (images too large for one on their own are first
// reduced on the CPU with Pillow's antialiased resize, keeping their aspect).
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import { PREPROCESSING } from '../image/preprocess.js';
import { resizeBilinearAntialias } from '../image/resize.js';
import { type Affine, type FillMode, augmentBatch } from '../kernels/augment.js';
import type { ResNet } from '../model/resnet.js';

/** Bytes per source pixel in the augmentation kernel's input (RGBA8 words). */
const PACKED_PIXEL_BYTES = 4;

/** The image, or a copy reduced to at most `maxPixels` pixels. */
function fitPixels(img: RgbImage, maxPixels: number): RgbImage {
  if (img.width * img.height <= maxPixels) return img;
  const scale = Math.sqrt(maxPixels / (img.width * img.height));
  return resizeBilinearAntialias(
    img,
    Math.max(1, Math.floor(img.width * scale)),
    Math.max(1, Math.floor(img.height * scale)),
  );
}

/** [start, end) ranges of consecutive images, each within `maxBatch` images and `maxPixels` pixels. */
function chunkRanges(images: readonly RgbImage[], maxBatch: number, maxPixels: number): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0,
    pixels = 0;
  images.forEach((img, i) => {
    const n = img.width * img.height;
    if (i > start && (i - start >= maxBatch || pixels + n > maxPixels)) {
      ranges.push([start, i]);
      start = i;
      pixels = 0;
    }
    pixels += n;
  });
  ranges.push([start, images.length]);
  return ranges;
}

/** Features [N, F] of images under their transforms (the caller releases the tensor). */
export async function backboneFeatures(
  gpu: Gpu,
  model: ResNet,
  images: readonly RgbImage[],
  transforms: readonly Affine[],
  fill: FillMode,
): Promise<Tensor> {
  const binding = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const maxPixels = Math.floor(binding / PACKED_PIXEL_BYTES);
  const fitted = images.map((img) => fitPixels(img, maxPixels));
  const ranges = chunkRanges(fitted, model.maxBatch(), maxPixels);
  const forward = async (start: number, end: number) => {
    const target = { ...PREPROCESSING, fill };
    const input = await augmentBatch(gpu, fitted.slice(start, end), transforms.slice(start, end), target);
    const out = await model.forward(input, { logits: false });
    input.release();
    return out.features;
  };
  if (ranges.length === 1) return forward(0, images.length);
  const F = model.plan.featureSize;
  const all = new Float32Array(images.length * F);
  for (const [start, end] of ranges) {
    const part = await forward(start, end);
    all.set(await part.read(), start * F);
    part.release();
  }
  return gpu.upload(all, [images.length, F]);
}
