// Launcher for shaders/augment.wgsl: a batch of 8-bit RGB images at the network's input size,
// each with Keras's random affine transform (or none), resampled as scipy does and normalized
// into the network's NHWC input; and the geometry the shader consumes (the map from output
// pixels to source coordinates). Images arrive resized on the CPU, bit-exact as Pillow resizes
// them (src/image/preprocess.ts resizeFor), and torchvision's augmentation is applied there
// too (src/data/torchvision-augment.ts): for them the kernel copies pixel for pixel.
import augmentSource from '../../shaders/augment.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, launch } from './common.js';

/** A random affine transform about the image centre, as Keras's ImageDataGenerator draws one. */
export interface Affine {
  /** Shear angle in degrees. */
  shear: number;
  zoomX: number;
  zoomY: number;
  flip: boolean;
}

export const IDENTITY: Affine = { shear: 0, zoomX: 1, zoomY: 1, flip: false };

/** What output pixels mapping outside the image get: black (PyTorch) or the nearest border pixel (Keras). */
export type FillMode = 'constant' | 'nearest';

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface PixelImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The network input the images are resampled into: size x size pixels, channels in `channels`
 * order, (x / divisor - mean) / std per channel.
 */
export interface ResampleTarget {
  size: number;
  channels: 'rgb' | 'bgr';
  divisor: number;
  mean: readonly number[];
  std: readonly number[];
  fill: FillMode;
}

export const AugmentParams = wgslStruct('AugmentParams', {
  N: 'u32',
  OH: 'u32',
  OW: 'u32',
  fill_nearest: 'u32',
  bgr: 'u32',
  divisor: 'f32',
  mean: 'vec4f',
  inv_std: 'vec4f',
});

/**
 * One image's record: its first pixel in the packed batch, its size, and the source map
 * source = (a.x * x + a.y * y + a.z, a.w * x + b.x * y + b.y) of an output centre (x, y).
 */
export const ImageMeta = wgslStruct('ImageMeta', {
  offset: 'u32',
  width: 'u32',
  height: 'u32',
  a: 'vec4f',
  b: 'vec2f',
});

export const AUGMENT_SHADER = withStructs(augmentSource, [AugmentParams, ImageMeta]);

/**
 * keras-preprocessing 1.0.2's map for an image already at the output size, in the kernel's
 * convention (source centre coordinates of output centres (x, y)): in (row, col) index
 * coordinates, source = M (out - o) + o with M = shear . zoom = [[zx, -sin(s) zy], [0, cos(s) zy]]
 * and o = (h / 2 + 0.5, w / 2 + 0.5) (Keras's centre, half a pixel off the true one), and the
 * flip applied to the output afterwards. Keras's zx scales rows (our zoomY), zy columns (zoomX).
 */
export function kerasSourceMap(t: Affine, size: number): number[] {
  const s = (t.shear * Math.PI) / 180;
  const zx = t.zoomY,
    zy = t.zoomX;
  const o = size / 2 + 0.5;
  // Output column index from the kernel's x: col = x - 0.5, or size - 1 - (x - 0.5) under the flip.
  const f = t.flip ? -1 : 1;
  const colFromX = [f, t.flip ? size - 0.5 : -0.5];
  // in_col = cos(s) zy (col - o) + o; in_row = zx (row - o) - sin(s) zy (col - o) + o; row = y - 0.5.
  const cs = Math.cos(s) * zy,
    sn = -Math.sin(s) * zy;
  const a = cs * colFromX[0];
  const c = cs * (colFromX[1] - o) + o + 0.5;
  const d = sn * colFromX[0];
  const e = zx;
  const ff = sn * (colFromX[1] - o) + zx * (-0.5 - o) + o + 0.5;
  return [a, 0, c, d, e, ff];
}

/** Packs RGB images as RGBA8 words, one after another. */
function packImages(images: readonly PixelImage[]): { words: Uint32Array; offsets: number[] } {
  const offsets: number[] = [];
  let total = 0;
  for (const img of images) {
    offsets.push(total);
    total += img.width * img.height;
  }
  const words = new Uint32Array(total);
  images.forEach((img, n) => {
    const d = img.data;
    for (let i = 0, o = offsets[n]; i < img.width * img.height; i++, o++)
      words[o] = d[3 * i] | (d[3 * i + 1] << 8) | (d[3 * i + 2] << 16);
  });
  return { words, offsets };
}

export async function augmentBatch(
  gpu: Gpu,
  images: readonly PixelImage[],
  transforms: readonly Affine[],
  target: ResampleTarget,
  out?: Tensor,
): Promise<Tensor> {
  const N = images.length;
  if (transforms.length !== N) throw new Error(`augment: ${N} images but ${transforms.length} transforms`);
  const { size } = target;
  const y = out ?? gpu.tensor([N, size, size, 3]);
  expectShape('augment', 'output', y, [N, size, size, 3]);
  const { words, offsets } = packImages(images);
  const metas = ImageMeta.packArray(
    images.map((img, n) => {
      if (img.width !== size || img.height !== size)
        throw new Error(`augment: images come at the output size (${size}x${size}), got ${img.width}x${img.height}`);
      const matrix = kerasSourceMap(transforms[n], size);
      return { offset: offsets[n], width: img.width, height: img.height, a: matrix.slice(0, 4), b: matrix.slice(4) };
    }),
  );
  const pixels = gpu.upload(words, [words.length], 'pixels');
  const metaTensor = gpu.upload(new Uint32Array(metas), [metas.byteLength / 4], 'image-meta');
  const { workgroups } = elementwiseGrid(gpu, N * size * size);
  const params = AugmentParams.pack({
    N,
    OH: size,
    OW: size,
    fill_nearest: target.fill === 'nearest' ? 1 : 0,
    bgr: target.channels === 'bgr' ? 1 : 0,
    divisor: target.divisor,
    mean: target.mean,
    inv_std: target.std.map((s) => 1 / s),
  });
  const buffers = [pixels, metaTensor, y];
  await launch(gpu, { kernel: 'augment', code: AUGMENT_SHADER, entryPoint: 'augment', params, buffers, workgroups });
  gpu.releaseAfterFlush(pixels);
  gpu.releaseAfterFlush(metaTensor);
  return y;
}
