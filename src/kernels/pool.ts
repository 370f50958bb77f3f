// Pooling launchers: max pooling (any window, stride, padding) and global average pooling,
// over f32 or f16 activations (the storage precision); global average pooling outputs f32.
import poolSource from '../../shaders/pool.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import type { Tensor } from '../gpu/tensor.js';
import {
  WINDOW_FIELDS,
  atPrecisions,
  elementwiseGrid,
  expectDtype,
  expectShape,
  launch,
  storagePrecision,
} from './common.js';
import { outputSize } from '../util/shapes.js';

export const PoolParams = wgslStruct('PoolParams', { ...WINDOW_FIELDS, total: 'u32', row_pitch: 'u32' });
export const POOL_SHADERS = atPrecisions(poolSource, [PoolParams]);

async function runPool(
  gpu: Gpu,
  entryPoint: string,
  x: Tensor,
  outShape: number[],
  window: { OH: number; OW: number; KH: number; KW: number; stride: number; pad: number },
  out?: Tensor,
): Promise<Tensor> {
  const [N, H, W, C] = x.shape;
  const precision = storagePrecision(entryPoint, { input: x });
  // The mean is stored in f32 whatever the input's precision; the maximum at the input's.
  const outDtype = entryPoint === 'global_avg_pool' ? 'f32' : precision;
  const y = out ?? gpu.tensor(outShape, outDtype);
  expectShape(entryPoint, 'output', y, outShape);
  expectDtype(entryPoint, 'output', y, outDtype);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, y.size);
  const params = PoolParams.pack({ N, H, W, C, ...window, total: y.size, row_pitch: rowPitch });
  const code = POOL_SHADERS[precision];
  await launch(gpu, { kernel: entryPoint, code, entryPoint, params, buffers: [x, y], workgroups });
  return y;
}

export async function maxPool2d(
  gpu: Gpu,
  x: Tensor,
  o: { kernel: number; stride: number; pad: number; out?: Tensor },
): Promise<Tensor> {
  if (x.shape.length !== 4) throw new Error(`max_pool: input must be NHWC, got [${x.shape}]`);
  if (o.pad * 2 > o.kernel)
    throw new Error(`max_pool: padding ${o.pad} is more than half the ${o.kernel}x${o.kernel} window`);
  const [N, H, W, C] = x.shape;
  const OH = outputSize(H, o.kernel, o.stride, o.pad);
  const OW = outputSize(W, o.kernel, o.stride, o.pad);
  if (OH < 1 || OW < 1) throw new Error(`max_pool: ${o.kernel}x${o.kernel} window does not fit a ${H}x${W} input`);
  return runPool(
    gpu,
    'max_pool',
    x,
    [N, OH, OW, C],
    { OH, OW, KH: o.kernel, KW: o.kernel, stride: o.stride, pad: o.pad },
    o.out,
  );
}

/** [N, H, W, C] -> [N, C], the mean over each channel's plane. */
export async function globalAvgPool(gpu: Gpu, x: Tensor, out?: Tensor): Promise<Tensor> {
  if (x.shape.length !== 4) throw new Error(`global_avg_pool: input must be NHWC, got [${x.shape}]`);
  const [N, , , C] = x.shape;
  return runPool(gpu, 'global_avg_pool', x, [N, C], { OH: 1, OW: 1, KH: 0, KW: 0, stride: 1, pad: 0 }, out);
}
