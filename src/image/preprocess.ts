// The preprocessing contracts, written once: torchvision's ImageNet evaluation transform
// Resize((224, 224)) on the RGB image (Pillow's antialiased bilinear), ToTensor (/255) and
// Normalize(mean, std), and Keras's load_img + preprocess_input('caffe'); laid out NHWC for
// our kernels. The CPU path here, the GPU resampler
// (src/kernels/augment.ts, given these numbers), model.json and converted weight files all
// take it from this file.
import type { RgbImage } from './format.js';
import { resizeBilinearAntialias, resizeNearest } from './resize.js';

/**
 * How an image becomes the network's input: resized to size x size ('bilinear-antialias':
 * Pillow's antialiased bilinear, as torchvision's Resize; 'nearest': Pillow's nearest, as
 * Keras's load_img(target_size=...)), channels in `channels` order, then
 * (value / divisor - mean) / std per channel (mean and std in that order).
 */
export interface Preprocessing {
  name: 'torchvision' | 'caffe';
  size: number;
  resize: 'bilinear-antialias' | 'nearest';
  channels: 'rgb' | 'bgr';
  divisor: number;
  mean: readonly number[];
  std: readonly number[];
}

/** torchvision's ImageNet transform: Resize((224, 224)), ToTensor, Normalize(mean, std). */
export const TORCHVISION_PREPROCESSING: Preprocessing = {
  name: 'torchvision',
  size: 224,
  resize: 'bilinear-antialias',
  channels: 'rgb',
  divisor: 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * Keras's: load_img(target_size=(224, 224)) (Pillow's nearest) and keras-applications 1.0.4's
 * preprocess_input in 'caffe' mode: RGB to BGR, minus the BGR ImageNet means, no scaling.
 */
export const CAFFE_PREPROCESSING: Preprocessing = {
  name: 'caffe',
  size: 224,
  resize: 'nearest',
  channels: 'bgr',
  divisor: 1,
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
};

export const PREPROCESSINGS = { torchvision: TORCHVISION_PREPROCESSING, caffe: CAFFE_PREPROCESSING } as const;

/** The default contract (torchvision's), which sizes inputs where no weights say otherwise. */
export const PREPROCESSING = TORCHVISION_PREPROCESSING;

/** A contract in words, as converted weight files record it. */
export function describePreprocessing(p: Preprocessing): string {
  return p.name === 'torchvision'
    ? `torchvision: Resize((${p.size}, ${p.size})) bilinear antialias on RGB, ToTensor, ` +
        `Normalize(mean=[${p.mean.join(', ')}], std=[${p.std.join(', ')}])`
    : `caffe: load_img(target_size=(${p.size}, ${p.size})) nearest on RGB, RGB to BGR, ` +
        `minus [${p.mean.join(', ')}]`;
}

/**
 * Normalizes 8-bit RGB into `out` (HWC float) at `offset`, in float32 steps as torchvision
 * (ToTensor's division, then Normalize) and numpy (caffe's subtraction) compute them.
 */
function normalizeInto(p: Preprocessing, rgb: Uint8Array, out: Float32Array, offset = 0): void {
  const { mean, std, divisor } = p;
  const bgr = p.channels === 'bgr';
  for (let i = 0; i < rgb.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = Math.fround(rgb[i + (bgr ? 2 - c : c)] / divisor);
      out[offset + i + c] = Math.fround(Math.fround(v - Math.fround(mean[c])) / Math.fround(std[c]));
    }
  }
}

/** Resized copies by source image: training resizes each image once for all its epochs. */
const resizedCopies = new WeakMap<RgbImage, Map<string, RgbImage>>();

/** The image resized as the contract says (the same object for the same image and contract). */
export function resizeFor(p: Preprocessing, img: RgbImage, size: number = p.size): RgbImage {
  if (img.width === size && img.height === size) return img;
  const key = `${p.resize} ${size}`;
  const kept = resizedCopies.get(img) ?? new Map<string, RgbImage>();
  resizedCopies.set(img, kept);
  let resized = kept.get(key);
  if (!resized) {
    resized = p.resize === 'nearest' ? resizeNearest(img, size, size) : resizeBilinearAntialias(img, size, size);
    kept.set(key, resized);
  }
  return resized;
}

export function preprocess(
  img: RgbImage,
  size: number = PREPROCESSING.size,
  p: Preprocessing = PREPROCESSING,
): { resized: RgbImage; input: Float32Array } {
  const resized = resizeFor(p, img, size);
  const input = new Float32Array(size * size * 3);
  normalizeInto(p, resized.data, input);
  return { resized, input };
}
