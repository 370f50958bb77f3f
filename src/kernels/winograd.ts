// Launcher for shaders/winograd.wgsl: 3x3 stride-1 pad-1 conv by Winograd F(2x2, 3x3) or
// F(4x4, 3x3), and the weight transform U = G g G^T done once at load. The transformed
// weights carry the tile size in their shape: [16, C, K] for F(2x2), [36, C, K] for F(4x4).
// Input, residual and output are f32 or f16 (the storage precision); the transformed weights
// and the two scratch tensors are f32 either way (see shaders/winograd.wgsl).
import winogradSource from '../../shaders/winograd.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import type { Tensor } from '../gpu/tensor.js';
import {
  atPrecisions,
  pipelineFor,
  chooseVariant,
  elementwiseGrid,
  epilogueConstants,
  expectDtype,
  expectShape,
  placeholder,
  registerGrid,
  storagePrecision,
} from './common.js';
import { batchedGemm } from './gemm.js';

export const WinogradParams = wgslStruct('WinogradParams', {
  N: 'u32',
  H: 'u32',
  W: 'u32',
  C: 'u32',
  K: 'u32',
  TH: 'u32',
  TW: 'u32',
  P: 'u32',
  row_pitch: 'u32',
});
export const WINOGRAD_SHADERS = atPrecisions(winogradSource, [WinogradParams]);

export type WinogradTile = 2 | 4;

/** The weight transform G of F(m x m, 3x3): (m + 2) x 3. */
const G: Record<WinogradTile, number[][]> = {
  2: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};

/** Winograd positions per tile, (m + 2)^2, and the tile size of a transformed weight shape. */
export const winogradPositions = (tile: WinogradTile) => (tile + 2) ** 2;
const tileOfPositions = (positions: number): WinogradTile | undefined =>
  positions === 16 ? 2 : positions === 36 ? 4 : undefined;

/** HWIO [3, 3, C, K] weights to the transformed matrices U [(m+2)^2, C, K] (computed in float64). */
export function winogradWeights(hwio: ArrayLike<number>, C: number, K: number, tile: WinogradTile = 2): Float32Array {
  if (hwio.length !== 9 * C * K) throw new Error(`winogradWeights: ${hwio.length} values are not 3x3x${C}x${K}`);
  const g = G[tile];
  const n = tile + 2;
  const out = new Float32Array(n * n * C * K);
  const gg = g.map(() => [0, 0, 0]);
  for (let c = 0; c < C; c++)
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++)
        for (let b = 0; b < 3; b++) {
          let s = 0;
          for (let a = 0; a < 3; a++) s += g[i][a] * hwio[((a * 3 + b) * C + c) * K + k];
          gg[i][b] = s;
        }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          out[((i * n + j) * C + c) * K + k] = gg[i][0] * g[j][0] + gg[i][1] * g[j][1] + gg[i][2] * g[j][2];
        }
    }
  return out;
}

export interface WinogradOptions {
  bias?: Tensor;
  residual?: Tensor;
  relu?: boolean;
  out?: Tensor;
  /**
   * The GEMM pass: 'broadcast' (gemm_broadcast.wgsl, the default where subgroups allow) or
   * 'register' (wino_gemm here).
   */
  gemm?: 'register' | 'broadcast';
  /** How the two scratch tensors go back to the pool (default: after the next flush). */
  releaseScratch?: (t: Tensor) => void;
}

export async function conv3x3Winograd(gpu: Gpu, x: Tensor, u: Tensor, options: WinogradOptions = {}): Promise<Tensor> {
  const kernel = 'conv3x3_winograd';
  if (x.shape.length !== 4) throw new Error(`${kernel}: input must be NHWC, got [${x.shape}]`);
  const [N, H, W, C] = x.shape;
  const tile = u.shape.length === 3 ? tileOfPositions(u.shape[0]) : undefined;
  if (!tile || u.shape[1] !== C) throw new Error(`${kernel}: weights must be [16 or 36, ${C}, K], got [${u.shape}]`);
  const positions = winogradPositions(tile);
  const K = u.shape[2];
  if (C % 4 || K % 4) throw new Error(`${kernel}: channels must be multiples of 4 (C=${C}, K=${K})`);
  if (options.bias) {
    expectShape(kernel, 'bias', options.bias, [K]);
    expectDtype(kernel, 'bias', options.bias, 'f32');
  }
  const outShape = [N, H, W, K];
  if (options.residual) expectShape(kernel, 'residual', options.residual, outShape);
  const out = options.out ?? gpu.tensor(outShape, x.dtype);
  expectShape(kernel, 'output', out, outShape);
  expectDtype(kernel, 'weights', u, 'f32');
  const precision = storagePrecision(kernel, { input: x, residual: options.residual, output: out });
  const code = WINOGRAD_SHADERS[precision];
  const TH = Math.ceil(H / tile),
    TW = Math.ceil(W / tile),
    P = N * TH * TW;
  const rowBlocks = Math.ceil(P / 8);
  if (rowBlocks > gpu.limits.maxComputeWorkgroupsPerDimension)
    throw new Error(`${kernel}: ${P} tiles exceed one dispatch; split the batch`);
  const V = gpu.tensor([positions, P, C], 'f32', 'winograd.V');
  const M = gpu.tensor([positions, P, K], 'f32', 'winograd.M');
  const constants = epilogueConstants(options);
  const params = (elements: number) => {
    const { workgroups, rowPitch } = elementwiseGrid(gpu, elements);
    return { workgroups, params: WinogradParams.pack({ N, H, W, C, K, TH, TW, P, row_pitch: rowPitch }) };
  };
  const inGrid = params(P * (C / 4));
  const { wg } = registerGrid(gpu, P, K); // wino_gemm is register-tiled, with the position in z
  // The GEMM pass has no tiled kernel of its own.
  const broadcast = chooseVariant(gpu, kernel, options.gemm, { tiled: false }) === 'broadcast';
  // The GEMM pass as a function that records its dispatch, once its pipeline is ready.
  const gemmPass: Promise<() => void> = broadcast
    ? batchedGemm(gpu, [positions, P, K, C]).then((record) => () => record(V, u, M))
    : pipelineFor(gpu, { kernel, code, entryPoint: 'wino_gemm', constants: { WG: wg } }).then(({ pipeline }) => () => {
        gpu.dispatch({
          kernel: `${kernel}:gemm`,
          pipeline,
          params: inGrid.params,
          buffers: [V, u, M],
          workgroups: [Math.ceil(K / (8 * wg)), rowBlocks, positions],
        });
      });
  // Every pipeline is ready before the first dispatch is recorded.
  const [{ pipeline: input }, recordGemm, { pipeline: output }] = await Promise.all([
    pipelineFor(gpu, { kernel, code, entryPoint: tile === 2 ? 'wino_input' : 'wino4_input' }),
    gemmPass,
    pipelineFor(gpu, { kernel, code, entryPoint: tile === 2 ? 'wino_output' : 'wino4_output', constants }),
  ]);
  gpu.dispatch({
    kernel: `${kernel}:input`,
    pipeline: input,
    params: inGrid.params,
    buffers: [x, V],
    workgroups: inGrid.workgroups,
  });
  recordGemm();
  const outGrid = params(P * (K / 4));
  const none = placeholder(gpu);
  gpu.dispatch({
    kernel: `${kernel}:output`,
    pipeline: output,
    params: outGrid.params,
    buffers: [M, null, options.bias ?? none, options.residual ?? none, out],
    workgroups: outGrid.workgroups,
  });
  const release = options.releaseScratch ?? ((t: Tensor) => gpu.releaseAfterFlush(t));
  release(V);
  release(M);
  return out;
}
