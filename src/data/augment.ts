// Per-image geometry for the GPU resampler: the 224x224 resize composed with the article's
// training augmentation (Keras ImageDataGenerator(shear_range=10, zoom_range=0.2,
// horizontal_flip=True)): shear angle uniform in [-10, 10] degrees, zoom factors uniform in
// [0.8, 1.2] (independently per axis, > 1 shows more of the image), and a horizontal flip
// with p = 0.5, all about the image centre.

export type AugmentMode = 'full' | 'flip' | 'none';
export type FillMode = 'constant' | 'nearest';

export interface Affine {
  /** Shear angle in degrees. */
  shear: number;
  zoomX: number;
  zoomY: number;
  flip: boolean;
}

export const IDENTITY: Affine = { shear: 0, zoomX: 1, zoomY: 1, flip: false };

/** Mulberry32: a small seeded generator; the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomAffine(mode: AugmentMode, random: () => number): Affine {
  if (mode === 'none') return IDENTITY;
  const flip = random() < 0.5;
  if (mode === 'flip') return { ...IDENTITY, flip };
  const shear = (random() * 2 - 1) * 10;
  const zoomX = 0.8 + 0.4 * random();
  const zoomY = 0.8 + 0.4 * random();
  return { shear, zoomX, zoomY, flip };
}

/**
 * The map from output pixel centres (x, y) in [0, size) to source coordinates, as
 * [a, b, c, d, e, f] with source = (a x + b y + c, d x + e y + f), and the filter footprint.
 */
export function sourceMap(t: Affine, width: number, height: number, size = 224): { matrix: number[]; footprint: [number, number] } {
  const c = size / 2;
  const shear = (t.shear * Math.PI) / 180;
  // About the centre, with u = f (x - c) (f = -1 flips) and v = y - c, Keras's shear . zoom
  // matrix in (row, col) order reads in (x, y): x_in = zoomX cos(s) u, y_in = zoomY v - zoomX sin(s) u.
  const f = t.flip ? -1 : 1;
  const a0 = t.zoomX * Math.cos(shear) * f;
  const d0 = -t.zoomX * Math.sin(shear) * f;
  const e0 = t.zoomY;
  const sx = width / size, sy = height / size;
  // source = S (M (p - c) + c)
  const a = sx * a0, b = 0, cc = sx * (c - a0 * c);
  const d = sy * d0, e = sy * e0, ff = sy * (c - d0 * c - e0 * c);
  const footprint: [number, number] = [Math.hypot(a, d), Math.hypot(b, e)];
  return { matrix: [a, b, cc, d, e, ff], footprint };
}
