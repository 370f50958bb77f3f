// GEMM launcher: C = op(A)·op(B) (+ bias) (+ ReLU), f32, row-major.
import gemmRegister from '../../shaders/gemm_register.wgsl';
import gemmTiled from '../../shaders/gemm_tiled.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { type Variant, defaultVariant, expectShape, packParams, placeholder, rowBlocks } from './common.js';

export interface GemmOptions {
  /** Use A^T: A is stored [K, M]. */
  transA?: boolean;
  /** Use B^T: B is stored [N, K] (PyTorch's Linear weight layout). */
  transB?: boolean;
  bias?: Tensor;
  relu?: boolean;
  variant?: Variant;
  /** Write into this [M, N] tensor instead of allocating one. */
  out?: Tensor;
}

export async function gemm(gpu: Gpu, a: Tensor, b: Tensor, options: GemmOptions = {}): Promise<Tensor> {
  const kernel = 'gemm';
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${kernel}: operands must be 2-D, got [${a.shape}] and [${b.shape}]`);
  const [M, K] = options.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = options.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) throw new Error(`${kernel}: inner dimensions differ (${K} vs ${Kb})`);
  if (options.bias) expectShape(kernel, 'bias', options.bias, [N]);
  const out = options.out ?? gpu.tensor([M, N]);
  expectShape(kernel, 'output', out, [M, N]);
  const strides = {
    a_row: options.transA ? 1 : K,
    a_col: options.transA ? M : 1,
    b_row: options.transB ? 1 : N,
    b_col: options.transB ? K : 1,
  };
  const params = packParams({ M, N, K, ...strides, _pad: 0 });
  const constants = { HAS_BIAS: options.bias ? 1 : 0, RELU: options.relu ? 1 : 0 };
  const buffers = [a, b, options.bias ?? placeholder(gpu), out];
  const variant = options.variant ?? defaultVariant(gpu);
  if (variant === 'tiled') {
    const pipeline = await gpu.pipeline({ kernel: 'gemm/tiled', code: gemmTiled, entryPoint: 'gemm_tiled', constants });
    gpu.dispatch({ kernel: 'gemm/tiled', pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(N / 64), Math.ceil(M / 64)) });
    return out;
  }
  // 8 columns per invocation; narrow matrices get narrow workgroups instead of idle lanes.
  const wg = Math.min(16, Math.max(1, Math.ceil(N / 8)));
  const vec4 = N % 4 === 0 && !options.transB;
  const entryPoint = vec4 ? 'gemm_vec4' : 'gemm_scalar';
  const pipeline = await gpu.pipeline({ kernel: 'gemm/register', code: gemmRegister, entryPoint, constants: { ...constants, WG: wg } });
  gpu.dispatch({ kernel: `gemm/register:${entryPoint}`, pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(N / (8 * wg)), Math.ceil(M / 8)) });
  return out;
}
