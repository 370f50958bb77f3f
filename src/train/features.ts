// Backbone features of decoded images: the GPU resize/augmentation into the network's input,
// then the frozen ResNet, one forward per chunk the adapter can hold.
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import { PREPROCESSING } from '../image/preprocess.js';
import { type Affine, type FillMode, augmentBatch } from '../kernels/augment.js';
import type { ResNet } from '../model/resnet.js';

/** Features [N, F] of images under their transforms (the caller releases the tensor). */
export async function backboneFeatures(
  gpu: Gpu,
  model: ResNet,
  images: readonly RgbImage[],
  transforms: readonly Affine[],
  fill: FillMode,
): Promise<Tensor> {
  const chunk = model.maxBatch();
  if (images.length <= chunk) {
    const input = await augmentBatch(gpu, images, transforms, { ...PREPROCESSING, fill });
    const out = await model.forward(input, { logits: false });
    input.release();
    return out.features;
  }
  const F = model.plan.featureSize;
  const all = new Float32Array(images.length * F);
  for (let s = 0; s < images.length; s += chunk) {
    const part = await backboneFeatures(gpu, model, images.slice(s, s + chunk), transforms.slice(s, s + chunk), fill);
    all.set(await part.read(), s * F);
    part.release();
  }
  return gpu.upload(all, [images.length, F]);
}
