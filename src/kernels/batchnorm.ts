// Batchnorm: the inference-mode kernel, and folding into the preceding conv (done once at
// load, in float64, so the folded model costs nothing extra per forward).
import batchnormShader from '../../shaders/batchnorm.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, packParams } from './common.js';

export interface BatchNormTensors { gamma: Tensor; beta: Tensor; mean: Tensor; variance: Tensor; eps: number }

export async function batchNorm(gpu: Gpu, x: Tensor, bn: BatchNormTensors, out?: Tensor): Promise<Tensor> {
  const C = x.shape[x.shape.length - 1];
  for (const [name, t] of Object.entries({ gamma: bn.gamma, beta: bn.beta, mean: bn.mean, variance: bn.variance })) {
    expectShape('batchnorm', name, t, [C]);
  }
  const y = out ?? gpu.tensor(x.shape);
  expectShape('batchnorm', 'output', y, x.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, x.size);
  const params = packParams({ total: x.size, C, eps: bn.eps, row_pitch: rowPitch }, ['eps']);
  const pipeline = await gpu.pipeline({ kernel: 'batchnorm', code: batchnormShader, entryPoint: 'batchnorm' });
  gpu.dispatch({ kernel: 'batchnorm', pipeline, params, buffers: [x, bn.gamma, bn.beta, bn.mean, bn.variance, y], workgroups });
  return y;
}

export interface BatchNormArrays { gamma: ArrayLike<number>; beta: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; eps: number }

/**
 * Folds inference batchnorm into the conv before it: with s = gamma / sqrt(var + eps),
 * W'[..., k] = W[..., k] * s[k] and b'[k] = beta[k] + (b[k] - mean[k]) * s[k].
 * `weight` is HWIO (output channel last); `bias` may be absent (ResNet convs have none).
 */
export function foldBatchNorm(weight: ArrayLike<number>, bias: ArrayLike<number> | null, bn: BatchNormArrays): { weight: Float32Array; bias: Float32Array } {
  const K = bn.gamma.length;
  if (weight.length % K !== 0) throw new Error(`foldBatchNorm: weight of ${weight.length} values is not a multiple of ${K} channels`);
  const scale = Array.from({ length: K }, (_, k) => bn.gamma[k] / Math.sqrt(bn.variance[k] + bn.eps));
  const folded = new Float32Array(weight.length);
  for (let i = 0; i < weight.length; i++) folded[i] = weight[i] * scale[i % K];
  const b = Float32Array.from({ length: K }, (_, k) => bn.beta[k] + ((bias ? bias[k] : 0) - bn.mean[k]) * scale[k]);
  return { weight: folded, bias: b };
}
