// Backbone features of decoded images: each image resized on the CPU as its preprocessing
// contract resizes it (Pillow's antialiased bilinear for torchvision's, nearest for Keras's,
// bit-exact; kept per image across epochs) and, under torchvision's contract, augmented there
// as torchvision 0.2.1 does; then the GPU kernel applies Keras's augmentation (or copies) and
// normalizes into the network's input, and the frozen ResNet runs, in chunks of at most
// ResNet.maxBatch() images.
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import { PREPROCESSING, type Preprocessing, resizeFor } from '../image/preprocess.js';
import { type Affine, type FillMode, IDENTITY, augmentBatch } from '../kernels/augment.js';
import { type Augmentation, isTorchvisionAffine, noAugmentation, resampleTarget } from '../data/augment.js';
import { torchvisionAugment } from '../data/torchvision-augment.js';
import type { ResNet } from '../model/resnet.js';
import { BatchStatsResNet } from '../model/resnet-train.js';

/** [start, end) ranges of consecutive images, each of at most `maxBatch` images. */
function chunkRanges(count: number, maxBatch: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < count; start += maxBatch) ranges.push([start, Math.min(count, start + maxBatch)]);
  return ranges;
}

/** An image at the network's input size with what the GPU still applies to it. */
function prepareImage(
  img: RgbImage,
  augmentation: Augmentation,
  fill: FillMode,
  p: Preprocessing,
): { image: RgbImage; transform: Affine } {
  const resized = resizeFor(p, img);
  if (!isTorchvisionAffine(augmentation)) return { image: resized, transform: augmentation };
  return { image: torchvisionAugment(resized, augmentation, fill), transform: IDENTITY };
}

/** The network's input [N, size, size, 3] for images under their augmentations (into `out` if given). */
export function networkInput(
  gpu: Gpu,
  images: readonly RgbImage[],
  augmentations: readonly Augmentation[],
  fill: FillMode,
  preprocessing: Preprocessing,
  out?: Tensor,
): Promise<Tensor> {
  const prepared = images.map((img, i) => prepareImage(img, augmentations[i], fill, preprocessing));
  return augmentBatch(
    gpu,
    prepared.map((x) => x.image),
    prepared.map((x) => x.transform),
    resampleTarget(preprocessing, fill),
    out,
  );
}

/**
 * Features [N, F] of images under their augmentations (the caller releases the tensor), through
 * the inference model chunk by chunk, or through the training-mode model, whose batchnorm
 * statistics span every chunk of the batch, in one forward of all chunks.
 */
export async function backboneFeatures(
  gpu: Gpu,
  model: ResNet | BatchStatsResNet,
  images: readonly RgbImage[],
  augmentations: readonly Augmentation[],
  fill: FillMode,
  preprocessing: Preprocessing = PREPROCESSING,
): Promise<Tensor> {
  if (augmentations.length !== images.length)
    throw new Error(`backboneFeatures: ${images.length} images but ${augmentations.length} augmentations`);
  const size = preprocessing.size;
  const ranges = chunkRanges(images.length, model.maxBatch());
  const input = (start: number, end: number, out?: Tensor) =>
    networkInput(gpu, images.slice(start, end), augmentations.slice(start, end), fill, preprocessing, out);
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
    for (const [start, end] of ranges) inputs.push(await input(start, end));
    const parts = await model.forward(inputs);
    for (const t of inputs) t.release();
    return gather(parts);
  }
  // The preparation writes straight into the recorded forward's input.
  const parts: Tensor[] = [];
  for (const [start, end] of ranges) {
    const r = await model.recorded([end - start, size, size, 3], 'f32', false);
    await input(start, end, r.input);
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
    images.map(() => noAugmentation(preprocessing)),
    'constant',
    preprocessing,
  );
}
