// Launchers for the head's backward pass besides GEMM: ReLU backward and the bias gradient.
import headBackward from '../../shaders/head_backward.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, packParams } from './common.js';

/** dx = dy * (y > 0), where y is the ReLU's forward output. */
export async function reluBackward(gpu: Gpu, dy: Tensor, y: Tensor, out?: Tensor): Promise<Tensor> {
  expectShape('relu_backward', 'forward output', y, dy.shape);
  const dx = out ?? gpu.tensor(dy.shape);
  expectShape('relu_backward', 'output', dx, dy.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, dy.size);
  const pipeline = await gpu.pipeline({ kernel: 'head_backward', code: headBackward, entryPoint: 'relu_backward' });
  gpu.dispatch({ kernel: 'relu_backward', pipeline, params: packParams({ total: dy.size, row_pitch: rowPitch, rows: 0, cols: 0 }), buffers: [dy, y, dx], workgroups });
  return dx;
}

/** db[n] = sum_m dy[m, n] for dy [rows, cols]. */
export async function biasGrad(gpu: Gpu, dy: Tensor, out?: Tensor): Promise<Tensor> {
  if (dy.shape.length !== 2) throw new Error(`bias_grad: gradient must be [rows, cols], got [${dy.shape}]`);
  const [rows, cols] = dy.shape;
  const db = out ?? gpu.tensor([cols]);
  expectShape('bias_grad', 'output', db, [cols]);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, cols);
  const pipeline = await gpu.pipeline({ kernel: 'head_backward', code: headBackward, entryPoint: 'bias_grad' });
  gpu.dispatch({ kernel: 'bias_grad', pipeline, params: packParams({ total: cols, row_pitch: rowPitch, rows, cols }), buffers: [dy, db], workgroups });
  return db;
}
