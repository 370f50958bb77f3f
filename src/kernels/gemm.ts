// GEMM launcher: C = op(A)·op(B) (+ bias) (+ ReLU), f32, row-major.
import gemmBroadcast from '../../shaders/gemm_broadcast.wgsl';
import gemmRegister from '../../shaders/gemm_register.wgsl';
import gemmTiled from '../../shaders/gemm_tiled.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { type Variant, broadcastWorkgroup, defaultVariant, expectShape, packParams, placeholder, rowBlocks, supportsVariant } from './common.js';

export interface GemmOptions {
  /** Use A^T: A is stored [K, M]. */
  transA?: boolean;
  /** Use B^T: B is stored [N, K] (PyTorch's Linear weight layout). */
  transB?: boolean;
  bias?: Tensor;
  relu?: boolean;
  variant?: Variant;
  /**
   * Output tile of the 'tiled' variant: 64 (default) or 128 (8x8 outputs per invocation; not
   * yet measured on a GPU, so not the default).
   */
  tile?: 64 | 128;
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
    const tile = options.tile ?? 64;
    const entryPoint = tile === 128 ? 'gemm_tiled128' : 'gemm_tiled';
    const pipeline = await gpu.pipeline({ kernel: 'gemm/tiled', code: gemmTiled, entryPoint, constants });
    gpu.dispatch({ kernel: `gemm/tiled:${entryPoint}`, pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(N / tile), Math.ceil(M / tile)) });
    return out;
  }
  if (!supportsVariant(gpu, variant)) throw new Error(`${kernel}: the '${variant}' variant needs subgroups of 8 or 16 lanes`);
  const vec4 = N % 4 === 0 && !options.transB;
  if (variant === 'broadcast' && vec4) {
    const record = await broadcastRecorder(gpu, { batch: 1, M, N, K, a_row: strides.a_row, a_col: strides.a_col }, constants);
    record(buffers);
    return out;
  }
  // 'register', and 'broadcast' for B^T or N % 4 != 0. 8 columns per invocation; narrow
  // matrices get narrow workgroups instead of idle lanes.
  const wg = Math.min(16, Math.max(1, Math.ceil(N / 8)));
  const entryPoint = vec4 ? 'gemm_vec4' : 'gemm_scalar';
  const pipeline = await gpu.pipeline({ kernel: 'gemm/register', code: gemmRegister, entryPoint, constants: { ...constants, WG: wg } });
  gpu.dispatch({ kernel: `gemm/register:${entryPoint}`, pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(N / (8 * wg)), Math.ceil(M / 8)) });
  return out;
}

interface BroadcastShape { batch: number; M: number; N: number; K: number; a_row: number; a_col: number }

/**
 * Compiles (or finds) gemm_broadcast for `batch` contiguous problems A [batch][M][K],
 * B [batch][K][N], C [batch][M][N] and returns the function that records one dispatch.
 */
async function broadcastRecorder(gpu: Gpu, s: BroadcastShape, constants: Record<string, number>): Promise<(buffers: Tensor[]) => void> {
  const rows = Math.ceil(s.M / 16);
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (rows > max || s.batch > max) throw new Error(`gemm/broadcast: ${s.M} rows x ${s.batch} batches exceed one dispatch`);
  const wg = broadcastWorkgroup(gpu, Math.ceil(s.N / 8));
  const params = packParams({
    M: s.M, N: s.N, K: s.K, a_row: s.a_row, a_col: s.a_col, b_row: s.N,
    a_batch: s.M * s.K, b_batch: s.K * s.N, c_batch: s.M * s.N, _a: 0, _b: 0, _c: 0,
  });
  const pipeline = await gpu.pipeline({ kernel: 'gemm/broadcast', code: gemmBroadcast, entryPoint: 'gemm_broadcast', constants: { ...constants, WG: wg } });
  return (buffers) => gpu.dispatch({ kernel: 'gemm/broadcast', pipeline, params, buffers, workgroups: [Math.ceil(s.N / (8 * wg)), rows, s.batch] });
}

/**
 * For `batch` independent products C_z = A_z·B_z of contiguous row-major A [batch, M, K] and
 * B [batch, K, N] into C [batch, M, N], N % 4 == 0, with the 'broadcast' kernel (the GEMM
 * pass of the Winograd conv on CPU adapters with subgroups): compiles the pipeline and
 * returns the function that records the dispatch, so that a caller can record it between
 * its own dispatches without waiting in between.
 */
export async function batchedGemm(gpu: Gpu, [batch, M, N, K]: readonly number[]): Promise<(a: Tensor, b: Tensor, out: Tensor) => void> {
  const kernel = 'gemm/broadcast';
  if (N % 4) throw new Error(`${kernel}: N=${N} is not a multiple of 4`);
  if (!supportsVariant(gpu, 'broadcast')) throw new Error(`${kernel}: needs subgroups of 8 or 16 lanes`);
  const record = await broadcastRecorder(gpu, { batch, M, N, K, a_row: K, a_col: 1 }, { HAS_BIAS: 0, RELU: 0 });
  return (a, b, out) => {
    expectShape(kernel, 'A', a, [batch, M, K]);
    expectShape(kernel, 'B', b, [batch, K, N]);
    expectShape(kernel, 'C', out, [batch, M, N]);
    record([a, b, placeholder(gpu), out]);
  };
}
