// Launchers for the head's backward pass besides GEMM: ReLU backward and the bias gradient.
import headBackwardSource from '../../shaders/head_backward.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, launch } from './common.js';

export const HeadBackwardParams = wgslStruct('HeadBackwardParams', {
  total: 'u32',
  row_pitch: 'u32',
  rows: 'u32',
  cols: 'u32',
});
export const HEAD_BACKWARD_SHADER = withStructs(headBackwardSource, [HeadBackwardParams]);

/** dx = dy * (y > 0), where y is the ReLU's forward output. */
export async function reluBackward(gpu: Gpu, dy: Tensor, y: Tensor, out?: Tensor): Promise<Tensor> {
  expectShape('relu_backward', 'forward output', y, dy.shape);
  const dx = out ?? gpu.tensor(dy.shape);
  expectShape('relu_backward', 'output', dx, dy.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, dy.size);
  await launch(gpu, {
    kernel: 'relu_backward',
    code: HEAD_BACKWARD_SHADER,
    entryPoint: 'relu_backward',
    params: HeadBackwardParams.pack({ total: dy.size, row_pitch: rowPitch, rows: 0, cols: 0 }),
    buffers: [dy, y, dx],
    workgroups,
  });
  return dx;
}

/** db[n] = sum_m dy[m, n] for dy [rows, cols]. */
export async function biasGrad(gpu: Gpu, dy: Tensor, out?: Tensor): Promise<Tensor> {
  if (dy.shape.length !== 2) throw new Error(`bias_grad: gradient must be [rows, cols], got [${dy.shape}]`);
  const [rows, cols] = dy.shape;
  const db = out ?? gpu.tensor([cols]);
  expectShape('bias_grad', 'output', db, [cols]);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, cols);
  await launch(gpu, {
    kernel: 'bias_grad',
    code: HEAD_BACKWARD_SHADER,
    entryPoint: 'bias_grad',
    params: HeadBackwardParams.pack({ total: cols, row_pitch: rowPitch, rows, cols }),
    buffers: [dy, db],
    workgroups,
  });
  return db;
}
