// Backbone features of decoded images: the GPU resize/augmentation into the network's input,
// then the frozen ResNet, in chunks the adapter can hold: at most ResNet.maxBatch() images, and
// source pixels that fit one storage binding (images too large for one on their own are first
// reduced on the CPU with Pillow's antialiased resize, keeping their aspect).
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import { PREPROCESSING, type Preprocessing, resizeFor } from '../image/preprocess.js';
import { resizeBilinearAntialias } from '../image/resize.js';
import { type Affine, type FillMode, IDENTITY, augmentBatch } from '../kernels/augment.js';
import { resampleTarget } from '../data/augment.js';
import type { ResNet } from '../model/resnet.js';
import { BatchStatsResNet } from '../model/resnet-train.js';

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

/**
 * Features [N, F] of images under their transforms (the caller releases the tensor), through
 * the inference model chunk by chunk, or through the training-mode model, whose batchnorm
 * statistics span every chunk of the batch, in one forward of all chunks.
 */
export async function backboneFeatures(
  gpu: Gpu,
  model: ResNet | BatchStatsResNet,
  images: readonly RgbImage[],
  transforms: readonly Affine[],
  fill: FillMode,
  preprocessing: Preprocessing = PREPROCESSING,
): Promise<Tensor> {
  const binding = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const maxPixels = Math.floor(binding / PACKED_PIXEL_BYTES);
  const target = resampleTarget(preprocessing, fill);
  // scipy sampling takes images at the output size, resized on the CPU first (Pillow's nearest,
  // bit-exact); Pillow sampling resizes on the GPU.
  const fitted = images.map((img) =>
    target.sampling === 'scipy' ? resizeFor(preprocessing, img) : fitPixels(img, maxPixels),
  );
  const ranges = chunkRanges(fitted, model.maxBatch(), maxPixels);
  const F = model.plan.featureSize;
  const gather = async (parts: Tensor[]) => {
    if (parts.length === 1) return parts[0];
    const all = new Float32Array(images.length * F);
    for (let k = 0; k < parts.length; k++) {
      all.set(await parts[k].read(), ranges[k][0] * F);
      parts[k].release();
    }
    return gpu.upload(all, [images.length, F]);
  };
  if (model instanceof BatchStatsResNet) {
    const inputs: Tensor[] = [];
    for (const [start, end] of ranges)
      inputs.push(await augmentBatch(gpu, fitted.slice(start, end), transforms.slice(start, end), target));
    const parts = await model.forward(inputs);
    for (const t of inputs) t.release();
    return gather(parts);
  }
  // The augmentation writes straight into the recorded forward's input.
  const parts: Tensor[] = [];
  for (const [start, end] of ranges) {
    const r = await model.recorded([end - start, target.size, target.size, 3], 'f32', false);
    await augmentBatch(gpu, fitted.slice(start, end), transforms.slice(start, end), target, r.input);
    parts.push(model.replay(r).features);
  }
  await gpu.flush();
  return gather(parts);
}

/** Features [N, F] of images as they are (no augmentation): the path of validation and prediction. */
export function plainFeatures(
  gpu: Gpu,
  model: ResNet,
  images: readonly RgbImage[],
  preprocessing: Preprocessing,
): Promise<Tensor> {
  return backboneFeatures(
    gpu,
    model,
    images,
    images.map(() => IDENTITY),
    'constant',
    preprocessing,
  );
}
