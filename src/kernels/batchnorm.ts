// Inference-mode batchnorm as a kernel. (ResNet folds batchnorm into the preceding conv at
// load instead: src/model/prepare.ts.)
import batchnormSource from '../../shaders/batchnorm.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, launch } from './common.js';

export const BatchNormParams = wgslStruct('BatchNormParams', { total: 'u32', C: 'u32', eps: 'f32', row_pitch: 'u32' });
export const BATCHNORM_SHADER = withStructs(batchnormSource, [BatchNormParams]);

export interface BatchNormTensors {
  gamma: Tensor;
  beta: Tensor;
  mean: Tensor;
  variance: Tensor;
  eps: number;
}

export async function batchNorm(gpu: Gpu, x: Tensor, bn: BatchNormTensors, out?: Tensor): Promise<Tensor> {
  const C = x.shape[x.shape.length - 1];
  for (const [name, t] of Object.entries({ gamma: bn.gamma, beta: bn.beta, mean: bn.mean, variance: bn.variance })) {
    expectShape('batchnorm', name, t, [C]);
  }
  const y = out ?? gpu.tensor(x.shape);
  expectShape('batchnorm', 'output', y, x.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, x.size);
  const params = BatchNormParams.pack({ total: x.size, C, eps: bn.eps, row_pitch: rowPitch });
  await launch(gpu, {
    kernel: 'batchnorm',
    code: BATCHNORM_SHADER,
    entryPoint: 'batchnorm',
    params,
    buffers: [x, bn.gamma, bn.beta, bn.mean, bn.variance, y],
    workgroups,
  });
  return y;
}
