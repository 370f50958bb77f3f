// The preprocessing contract, written once: torchvision's ImageNet evaluation transform
// Resize((224, 224)) on the RGB image (Pillow's antialiased bilinear), ToTensor (/255) and
// Normalize(mean, std), laid out NHWC for our kernels. The CPU path here, the GPU resampler
// (src/kernels/augment.ts, given these numbers), model.json and converted weight files all
// take it from this file.
import type { RgbImage } from './format.js';
import { resizeBilinearAntialias } from './resize.js';

export const PREPROCESSING = {
  size: 224,
  resize: 'bilinear, antialiased (Pillow)',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
} as const;

/** The contract in words, as converted weight files record it. */
export const PREPROCESSING_DESCRIPTION =
  `torchvision: Resize((${PREPROCESSING.size}, ${PREPROCESSING.size})) bilinear antialias on RGB, ToTensor, ` +
  `Normalize(mean=[${PREPROCESSING.mean.join(', ')}], std=[${PREPROCESSING.std.join(', ')}])`;

/** Normalizes 8-bit RGB into `out` (HWC float) at `offset`. */
function normalizeInto(rgb: Uint8Array, out: Float32Array, offset = 0): void {
  const { mean, std } = PREPROCESSING;
  for (let i = 0; i < rgb.length; i++) {
    const c = i % 3;
    out[offset + i] = (Math.fround(rgb[i] / 255) - mean[c]) / std[c];
  }
}

export function preprocess(
  img: RgbImage,
  size: number = PREPROCESSING.size,
): { resized: RgbImage; input: Float32Array } {
  const resized = img.width === size && img.height === size ? img : resizeBilinearAntialias(img, size, size);
  const input = new Float32Array(size * size * 3);
  normalizeInto(resized.data, input);
  return { resized, input };
}
