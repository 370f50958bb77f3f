// torchvision's ImageNet evaluation transform on our side: Resize((224, 224)) on the RGB
// image (Pillow's antialiased bilinear), ToTensor (/255) and Normalize(mean, std), laid out
// NHWC for our kernels.
import { type RgbImage } from './decode.js';
import { resizeBilinearAntialias } from './resize.js';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
export const INPUT_SIZE = 224;

/** Normalizes 8-bit RGB into `out` (HWC float) at `offset`. */
export function normalizeInto(rgb: Uint8Array, out: Float32Array, offset = 0): void {
  for (let i = 0; i < rgb.length; i++) {
    const c = i % 3;
    out[offset + i] = (Math.fround(rgb[i] / 255) - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  }
}

export function preprocess(img: RgbImage, size = INPUT_SIZE): { resized: RgbImage; input: Float32Array } {
  const resized = img.width === size && img.height === size ? img : resizeBilinearAntialias(img, size, size);
  const input = new Float32Array(size * size * 3);
  normalizeInto(resized.data, input);
  return { resized, input };
}
