// GEMM launcher: C = op(A)·op(B) with the fused epilogue (+ bias, + residual, ReLU),
// row-major, A, B, residual and C stored as f32 or all as f16 (accumulating in f32), the bias
// f32; and the batched form (f32) that the Winograd conv uses for its GEMM pass.
import gemmBroadcastSource from '../../shaders/gemm_broadcast.wgsl';
import gemmRegisterSource from '../../shaders/gemm_register.wgsl';
import gemmTiledSource from '../../shaders/gemm_tiled.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import type { Precision } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import {
  type Variant,
  launch,
  pipelineFor,
  launchRegister,
  broadcastWorkgroup,
  chooseVariant,
  epilogueConstants,
  expectDtype,
  expectShape,
  placeholder,
  rowBlocks,
  storagePrecision,
  atPrecisions,
  supportsVariant,
  tile128Fills,
} from './common.js';

/** The uniforms of every GEMM variant (shaders/common/gemm_operands.wgsl reads them). */
export const GemmParams = wgslStruct('GemmParams', {
  M: 'u32',
  N: 'u32',
  K: 'u32',
  a_row: 'u32',
  a_col: 'u32',
  b_row: 'u32',
  b_col: 'u32',
  a_batch: 'u32',
  b_batch: 'u32',
  c_batch: 'u32',
});

/** Each variant's shader at each storage precision (GEMM_SHADERS.tiled.f16, ...). */
export const GEMM_SHADERS = {
  register: atPrecisions(gemmRegisterSource, [GemmParams]),
  broadcast: atPrecisions(gemmBroadcastSource, [GemmParams]),
  tiled: atPrecisions(gemmTiledSource, [GemmParams]),
} as const;

export interface GemmOptions {
  /** Use A^T: A is stored [K, M]. */
  transA?: boolean;
  /** Use B^T: B is stored [N, K] (PyTorch's Linear weight layout). */
  transB?: boolean;
  bias?: Tensor;
  /** Added before the ReLU; [M, N]. */
  residual?: Tensor;
  relu?: boolean;
  variant?: Variant;
  /**
   * Output tile of the 'tiled' variant: 64, or 128 (8x8 outputs per invocation); by default
   * 128 where its grid has TILE128_MIN_WORKGROUPS workgroups.
   */
  tile?: 64 | 128;
  /** Write into this [M, N] tensor instead of allocating one. */
  out?: Tensor;
}

export async function gemm(gpu: Gpu, a: Tensor, b: Tensor, options: GemmOptions = {}): Promise<Tensor> {
  const kernel = 'gemm';
  if (a.shape.length !== 2 || b.shape.length !== 2)
    throw new Error(`${kernel}: operands must be 2-D, got [${a.shape}] and [${b.shape}]`);
  const [M, K] = options.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = options.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) throw new Error(`${kernel}: inner dimensions differ (${K} vs ${Kb})`);
  if (options.bias) {
    expectShape(kernel, 'bias', options.bias, [N]);
    expectDtype(kernel, 'bias', options.bias, 'f32');
  }
  if (options.residual) expectShape(kernel, 'residual', options.residual, [M, N]);
  const out = options.out ?? gpu.tensor([M, N], a.dtype);
  expectShape(kernel, 'output', out, [M, N]);
  const precision = storagePrecision(kernel, { A: a, B: b, residual: options.residual, output: out });
  const params = GemmParams.pack({
    M,
    N,
    K,
    a_row: options.transA ? 1 : K,
    a_col: options.transA ? M : 1,
    b_row: options.transB ? 1 : N,
    b_col: options.transB ? K : 1,
    a_batch: 0,
    b_batch: 0,
    c_batch: 0,
  });
  const constants = epilogueConstants(options);
  const none = placeholder(gpu);
  const buffers = [a, b, options.bias ?? none, options.residual ?? none, out];
  const vec4 = N % 4 === 0 && !options.transB;
  const variant = chooseVariant(gpu, kernel, options.variant, { broadcast: vec4 });
  if (variant === 'tiled') {
    const tile = options.tile ?? (tile128Fills(M, N) ? 128 : 64);
    const entryPoint = tile === 128 ? 'gemm_tiled128' : 'gemm_tiled';
    const workgroups = rowBlocks(gpu, Math.ceil(N / tile), Math.ceil(M / tile));
    await launch(gpu, {
      kernel: 'gemm/tiled',
      code: GEMM_SHADERS.tiled[precision],
      entryPoint,
      constants,
      params,
      buffers,
      workgroups,
    });
  } else if (variant === 'broadcast') {
    const shape = { batch: 1, M, N, K, transA: !!options.transA };
    const record = await broadcastRecorder(gpu, shape, constants, precision);
    record(buffers);
  } else {
    const entryPoint = vec4 ? 'gemm_vec4' : 'gemm_scalar';
    const code = GEMM_SHADERS.register[precision];
    await launchRegister(gpu, {
      kernel: 'gemm/register',
      code,
      entryPoint,
      constants,
      params,
      buffers,
      rows: M,
      columns: N,
    });
  }
  return out;
}

interface BroadcastShape {
  batch: number;
  M: number;
  N: number;
  K: number;
  transA: boolean;
}

/**
 * Compiles (or finds) gemm_broadcast for `batch` contiguous problems A [batch][M][K] (or
 * [batch][K][M] with transA), B [batch][K][N], C [batch][M][N] and returns the function that
 * records one dispatch over the five bindings (A, B, bias, residual, C).
 */
async function broadcastRecorder(
  gpu: Gpu,
  s: BroadcastShape,
  constants: Record<string, number>,
  precision: Precision = 'f32',
): Promise<(buffers: Tensor[]) => void> {
  const rows = Math.ceil(s.M / 16);
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (rows > max || s.batch > max)
    throw new Error(`gemm/broadcast: ${s.M} rows x ${s.batch} batches exceed one dispatch`);
  const wg = broadcastWorkgroup(gpu, Math.ceil(s.N / 8));
  const params = GemmParams.pack({
    M: s.M,
    N: s.N,
    K: s.K,
    a_row: s.transA ? 1 : s.K,
    a_col: s.transA ? s.M : 1,
    b_row: s.N,
    b_col: 1,
    a_batch: s.M * s.K,
    b_batch: s.K * s.N,
    c_batch: s.M * s.N,
  });
  const { pipeline } = await pipelineFor(gpu, {
    kernel: 'gemm/broadcast',
    code: GEMM_SHADERS.broadcast[precision],
    entryPoint: 'gemm_broadcast',
    constants: { ...constants, WG: wg },
  });
  return (buffers) =>
    gpu.dispatch({
      kernel: 'gemm/broadcast',
      pipeline,
      params,
      buffers,
      workgroups: [Math.ceil(s.N / (8 * wg)), rows, s.batch],
    });
}

/**
 * For `batch` independent products C_z = A_z·B_z of contiguous row-major A [batch, M, K] and
 * B [batch, K, N] into C [batch, M, N], N % 4 == 0, with the 'broadcast' kernel (the GEMM
 * pass of the Winograd conv on CPU adapters with subgroups): compiles the pipeline and
 * returns the function that records the dispatch, so that a caller can record it between
 * its own dispatches without waiting in between.
 */
export async function batchedGemm(
  gpu: Gpu,
  [batch, M, N, K]: readonly number[],
): Promise<(a: Tensor, b: Tensor, out: Tensor) => void> {
  const kernel = 'gemm/broadcast';
  if (N % 4) throw new Error(`${kernel}: N=${N} is not a multiple of 4`);
  if (!supportsVariant(gpu, 'broadcast')) throw new Error(`${kernel}: needs subgroups of 8 or 16 lanes`);
  const record = await broadcastRecorder(gpu, { batch, M, N, K, transA: false }, epilogueConstants({}));
  return (a, b, out) => {
    expectShape(kernel, 'A', a, [batch, M, K]);
    expectShape(kernel, 'B', b, [batch, K, N]);
    expectShape(kernel, 'C', out, [batch, M, N]);
    const none = placeholder(gpu);
    record([a, b, none, none, out]);
  };
}
