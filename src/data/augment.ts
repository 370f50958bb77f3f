// The training augmentation of deepsense.ai's "Keras vs. PyTorch" article, drawn per image, as
// each half of the article ran it:
// - torchvision's contract (the pytorch and frozen recipes): torchvision 0.2.1's
//   RandomAffine(0, shear=10, scale=(0.8, 1.2)) and RandomHorizontalFlip, applied on the CPU to
//   the image resized as Resize((224, 224)) resizes it (src/data/torchvision-augment.ts);
// - Keras's (ImageDataGenerator(shear_range=10, zoom_range=0.2, horizontal_flip=True)): shear
//   angle uniform in [-10, 10] degrees, zoom factors uniform in [0.8, 1.2] (independently per
//   axis, > 1 shows more of the image), and a horizontal flip with p = 0.5, all about the image
//   centre, applied on the GPU (src/kernels/augment.ts).
import { type Affine, type FillMode, IDENTITY, type ResampleTarget } from '../kernels/augment.js';
import type { Preprocessing } from '../image/preprocess.js';
import { TORCHVISION_IDENTITY, type TorchvisionAffine, drawTorchvisionAffine } from './torchvision-augment.js';

/** The GPU resampler's target for a preprocessing contract. */
export function resampleTarget(p: Preprocessing, fill: FillMode): ResampleTarget {
  return { ...p, fill };
}

export type AugmentMode = 'full' | 'flip' | 'none';

/** One image's augmentation: Keras's (applied on the GPU) or torchvision's (on the CPU). */
export type Augmentation = Affine | TorchvisionAffine;

export const isTorchvisionAffine = (a: Augmentation): a is TorchvisionAffine => 'scale' in a;

/** Keras's ImageDataGenerator draws: flip, then shear, then the two zooms. */
export function randomAffine(mode: AugmentMode, random: () => number): Affine {
  if (mode === 'none') return IDENTITY;
  const flip = random() < 0.5;
  if (mode === 'flip') return { ...IDENTITY, flip };
  const shear = (random() * 2 - 1) * 10;
  const zoomX = 0.8 + 0.4 * random();
  const zoomY = 0.8 + 0.4 * random();
  return { shear, zoomX, zoomY, flip };
}

/** The augmentation of the half of the article whose preprocessing this is ('flip': the flip alone). */
export function randomAugmentation(p: Preprocessing, mode: AugmentMode, random: () => number): Augmentation {
  if (p.name === 'caffe') return randomAffine(mode, random);
  if (mode === 'none') return TORCHVISION_IDENTITY;
  if (mode === 'flip') return { ...TORCHVISION_IDENTITY, flip: random() < 0.5 };
  return drawTorchvisionAffine(random);
}

/** No augmentation, in the form of the contract's. */
export function noAugmentation(p: Preprocessing): Augmentation {
  return p.name === 'caffe' ? IDENTITY : TORCHVISION_IDENTITY;
}
