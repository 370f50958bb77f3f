// Launcher for shaders/augment.wgsl: a batch of 8-bit RGB images, each with its own affine
// source map, resampled into the network's normalized NHWC input.
import augmentShader from '../../shaders/augment.wgsl';
import type { Affine, FillMode } from '../data/augment.js';
import { sourceMap } from '../data/augment.js';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/decode.js';
import { IMAGENET_MEAN, IMAGENET_STD, INPUT_SIZE } from '../image/preprocess.js';
import { elementwiseGrid, expectShape } from './common.js';

const META_FLOATS = 12;

/** Packs RGB images as RGBA8 words, one after another. */
export function packImages(images: readonly RgbImage[]): { words: Uint32Array; offsets: number[] } {
  const offsets: number[] = [];
  let total = 0;
  for (const img of images) {
    offsets.push(total);
    total += img.width * img.height;
  }
  const words = new Uint32Array(total);
  images.forEach((img, n) => {
    const d = img.data;
    for (let i = 0, o = offsets[n]; i < img.width * img.height; i++, o++) words[o] = d[3 * i] | (d[3 * i + 1] << 8) | (d[3 * i + 2] << 16);
  });
  return { words, offsets };
}

export async function augmentBatch(gpu: Gpu, images: readonly RgbImage[], transforms: readonly Affine[], fill: FillMode, out?: Tensor): Promise<Tensor> {
  const N = images.length;
  if (transforms.length !== N) throw new Error(`augment: ${N} images but ${transforms.length} transforms`);
  const size = INPUT_SIZE;
  const y = out ?? gpu.tensor([N, size, size, 3]);
  expectShape('augment', 'output', y, [N, size, size, 3]);
  const { words, offsets } = packImages(images);
  const meta = new ArrayBuffer(N * META_FLOATS * 4);
  const u32 = new Uint32Array(meta), f32 = new Float32Array(meta);
  images.forEach((img, n) => {
    const { matrix, footprint } = sourceMap(transforms[n], img.width, img.height, size);
    const o = n * META_FLOATS;
    u32[o] = offsets[n];
    u32[o + 1] = img.width;
    u32[o + 2] = img.height;
    f32.set([...matrix, ...footprint], o + 4);
  });
  const pixels = gpu.upload(words, [words.length], 'pixels');
  const metas = gpu.upload(new Uint32Array(meta), [N * META_FLOATS], 'image-meta');
  const { workgroups } = elementwiseGrid(gpu, N * size * size);
  const params = new ArrayBuffer(48);
  new Uint32Array(params, 0, 4).set([N, size, size, fill === 'nearest' ? 1 : 0]);
  new Float32Array(params, 16, 8).set([...IMAGENET_MEAN, 0, ...IMAGENET_STD.map((s) => 1 / s), 0]);
  const pipeline = await gpu.pipeline({ kernel: 'augment', code: augmentShader, entryPoint: 'augment' });
  gpu.dispatch({ kernel: 'augment', pipeline, params, buffers: [pixels, metas, y], workgroups });
  gpu.releaseAfterFlush(pixels);
  gpu.releaseAfterFlush(metas);
  return y;
}
