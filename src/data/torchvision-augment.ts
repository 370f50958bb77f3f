// The article's PyTorch training augmentation as torchvision 0.2.1 ran it, after
// Resize((224, 224)): RandomAffine(0, shear=10, scale=(0.8, 1.2)) (transforms.py get_params's
// draws; functional.py's _get_inverse_affine_matrix about the centre (w/2 + 0.5, h/2 + 0.5),
// its shear along x; Pillow's Image.transform(AFFINE, NEAREST) with fillcolor=0), then
// RandomHorizontalFlip. Bit-exact on 8-bit images (tools/make-torchvision-augment-golden.py).
import { type AffineFill, affineNearest, flipLeftRight } from '../image/affine.js';
import type { RgbImage } from '../image/format.js';

/** RandomAffine's parameters for one image (degrees; angle is always 0 here) and the flip. */
export interface TorchvisionAffine {
  angle: number;
  scale: number;
  shear: number;
  flip: boolean;
}

export const TORCHVISION_IDENTITY: TorchvisionAffine = { angle: 0, scale: 1, shear: 0, flip: false };

/** The article's RandomAffine(0, shear=10, scale=(0.8, 1.2)). */
export const ARTICLE_RANDOM_AFFINE = { degrees: [0, 0], scale: [0.8, 1.2], shear: [-10, 10] } as const;

/** Python's random.uniform(a, b): a + (b - a) * random(). */
const uniform = (random: () => number, a: number, b: number) => a + (b - a) * random();

/**
 * One image's parameters, drawn as torchvision 0.2.1 draws them: RandomAffine.get_params
 * (angle, then scale, then shear; no translation) then RandomHorizontalFlip (random() < 0.5).
 */
export function drawTorchvisionAffine(random: () => number): TorchvisionAffine {
  const r = ARTICLE_RANDOM_AFFINE;
  const angle = uniform(random, r.degrees[0], r.degrees[1]);
  const scale = uniform(random, r.scale[0], r.scale[1]);
  const shear = uniform(random, r.shear[0], r.shear[1]);
  const flip = random() < 0.5;
  return { angle, scale, shear, flip };
}

/**
 * torchvision 0.2.1's _get_inverse_affine_matrix(center, angle, translate, scale, shear), in
 * its order of operations: the map from output to input coordinates Pillow's AFFINE takes.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angleDegrees: number,
  translate: readonly [number, number],
  scale: number,
  shearDegrees: number,
): number[] {
  const radians = Math.PI / 180;
  const angle = angleDegrees * radians;
  const shear = shearDegrees * radians;
  const inv = 1.0 / scale;
  const d = Math.cos(angle + shear) * Math.cos(angle) + Math.sin(angle + shear) * Math.sin(angle);
  const m = [Math.cos(angle + shear), Math.sin(angle + shear), 0, -Math.sin(angle), Math.cos(angle), 0].map(
    (v) => (inv / d) * v,
  );
  m[2] += m[0] * (-center[0] - translate[0]) + m[1] * (-center[1] - translate[1]);
  m[5] += m[3] * (-center[0] - translate[0]) + m[4] * (-center[1] - translate[1]);
  m[2] += center[0];
  m[5] += center[1];
  return m;
}

/** functional.affine(img, angle, (0, 0), scale, shear) with NEAREST and fillcolor=0, then the flip. */
export function torchvisionAugment(img: RgbImage, t: TorchvisionAffine, fill: AffineFill = 'constant'): RgbImage {
  const identity = t.angle === 0 && t.scale === 1 && t.shear === 0;
  let out = img;
  if (!identity) {
    const center: [number, number] = [img.width * 0.5 + 0.5, img.height * 0.5 + 0.5];
    out = affineNearest(img, inverseAffineMatrix(center, t.angle, [0, 0], t.scale, t.shear), fill);
  }
  return t.flip ? flipLeftRight(out) : out;
}
