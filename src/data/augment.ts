// The training augmentation of deepsense.ai's "Keras vs. PyTorch" article (Keras
// ImageDataGenerator(shear_range=10, zoom_range=0.2, horizontal_flip=True)), drawn per image:
// shear angle uniform in [-10, 10] degrees, zoom factors uniform in [0.8, 1.2] (independently
// per axis, > 1 shows more of the image), and a horizontal flip with p = 0.5, all about the
// image centre. The GPU resampler (src/kernels/augment.ts) applies them.
import { type Affine, type FillMode, IDENTITY, type ResampleTarget } from '../kernels/augment.js';
import type { Preprocessing } from '../image/preprocess.js';

/**
 * The GPU resampler's target for a preprocessing contract: torchvision's resizes on the GPU
 * (Pillow's antialiased bilinear); Keras's images arrive resized with Pillow's nearest on the
 * CPU (resizeFor) and are transformed as scipy does.
 */
export function resampleTarget(p: Preprocessing, fill: FillMode): ResampleTarget {
  return { ...p, fill, sampling: p.resize === 'nearest' ? 'scipy' : 'pillow' };
}

export type AugmentMode = 'full' | 'flip' | 'none';

export function randomAffine(mode: AugmentMode, random: () => number): Affine {
  if (mode === 'none') return IDENTITY;
  const flip = random() < 0.5;
  if (mode === 'flip') return { ...IDENTITY, flip };
  const shear = (random() * 2 - 1) * 10;
  const zoomX = 0.8 + 0.4 * random();
  const zoomY = 0.8 + 0.4 * random();
  return { shear, zoomX, zoomY, flip };
}
