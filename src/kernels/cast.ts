// Launcher for shaders/cast.wgsl: f32 values to f16 (the images entering an f16 network).
import castSource from '../../shaders/cast.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import type { Tensor } from '../gpu/tensor.js';
import { atPrecisions, elementwiseGrid, expectDtype, expectShape, launch } from './common.js';

export const CastParams = wgslStruct('CastParams', { total: 'u32', row_pitch: 'u32' });
export const CAST_SHADERS = atPrecisions(castSource, [CastParams]);

/** An f16 copy of an f32 tensor, each value rounded to the nearest half (ties to even). */
export async function toF16(gpu: Gpu, x: Tensor, out?: Tensor): Promise<Tensor> {
  const kernel = 'cast';
  expectDtype(kernel, 'input', x, 'f32');
  const y = out ?? gpu.tensor(x.shape, 'f16');
  expectShape(kernel, 'output', y, x.shape);
  expectDtype(kernel, 'output', y, 'f16');
  const { workgroups, rowPitch } = elementwiseGrid(gpu, x.size);
  const params = CastParams.pack({ total: x.size, row_pitch: rowPitch });
  await launch(gpu, { kernel, code: CAST_SHADERS.f16, entryPoint: 'to_elem', params, buffers: [x, y], workgroups });
  return y;
}
