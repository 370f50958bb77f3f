// Pooling launchers: max pooling (any window, stride, padding) and global average pooling.
import poolShader from '../../shaders/pool.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, packParams } from './common.js';

async function runPool(gpu: Gpu, entryPoint: string, x: Tensor, outShape: number[], window: { OH: number; OW: number; KH: number; KW: number; stride: number; pad: number }, out?: Tensor): Promise<Tensor> {
  const [N, H, W, C] = x.shape;
  const y = out ?? gpu.tensor(outShape);
  expectShape(entryPoint, 'output', y, outShape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, y.size);
  const params = packParams({ N, H, W, C, ...window, total: y.size, row_pitch: rowPitch });
  const pipeline = await gpu.pipeline({ kernel: 'pool', code: poolShader, entryPoint });
  gpu.dispatch({ kernel: entryPoint, pipeline, params, buffers: [x, y], workgroups });
  return y;
}

export async function maxPool2d(gpu: Gpu, x: Tensor, o: { kernel: number; stride: number; pad: number; out?: Tensor }): Promise<Tensor> {
  if (x.shape.length !== 4) throw new Error(`max_pool: input must be NHWC, got [${x.shape}]`);
  if (o.pad * 2 > o.kernel) throw new Error(`max_pool: padding ${o.pad} is more than half the ${o.kernel}x${o.kernel} window`);
  const [N, H, W, C] = x.shape;
  const OH = Math.floor((H + 2 * o.pad - o.kernel) / o.stride) + 1;
  const OW = Math.floor((W + 2 * o.pad - o.kernel) / o.stride) + 1;
  if (OH < 1 || OW < 1) throw new Error(`max_pool: ${o.kernel}x${o.kernel} window does not fit a ${H}x${W} input`);
  return runPool(gpu, 'max_pool', x, [N, OH, OW, C], { OH, OW, KH: o.kernel, KW: o.kernel, stride: o.stride, pad: o.pad }, o.out);
}

/** [N, H, W, C] -> [N, C], the mean over each channel's plane. */
export async function globalAvgPool(gpu: Gpu, x: Tensor, out?: Tensor): Promise<Tensor> {
  if (x.shape.length !== 4) throw new Error(`global_avg_pool: input must be NHWC, got [${x.shape}]`);
  const [N, , , C] = x.shape;
  return runPool(gpu, 'global_avg_pool', x, [N, C], { OH: 1, OW: 1, KH: 0, KW: 0, stride: 1, pad: 0 }, out);
}
