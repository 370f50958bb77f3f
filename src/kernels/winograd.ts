// Launcher for shaders/winograd.wgsl: 3x3 stride-1 pad-1 conv by Winograd F(2x2, 3x3), and
// the weight transform U = G g G^T done once at load.
import winogradShader from '../../shaders/winograd.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, packParams, placeholder } from './common.js';

const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];

/** HWIO [3, 3, C, K] weights to the 16 transformed matrices U [16, C, K] (computed in float64). */
export function winogradWeights(hwio: ArrayLike<number>, C: number, K: number): Float32Array {
  if (hwio.length !== 9 * C * K) throw new Error(`winogradWeights: ${hwio.length} values are not 3x3x${C}x${K}`);
  const out = new Float32Array(16 * C * K);
  const gg = [0, 0, 0, 0].map(() => [0, 0, 0]);
  for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) {
    for (let i = 0; i < 4; i++) for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let a = 0; a < 3; a++) s += G[i][a] * hwio[((a * 3 + b) * C + c) * K + k];
      gg[i][b] = s;
    }
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      out[((i * 4 + j) * C + c) * K + k] = gg[i][0] * G[j][0] + gg[i][1] * G[j][1] + gg[i][2] * G[j][2];
    }
  }
  return out;
}

export interface WinogradOptions {
  bias?: Tensor;
  residual?: Tensor;
  relu?: boolean;
  out?: Tensor;
  /** How the two scratch tensors go back to the pool (default: after the next flush). */
  releaseScratch?: (t: Tensor) => void;
}

export async function conv3x3Winograd(gpu: Gpu, x: Tensor, u: Tensor, options: WinogradOptions = {}): Promise<Tensor> {
  const kernel = 'conv3x3_winograd';
  if (x.shape.length !== 4) throw new Error(`${kernel}: input must be NHWC, got [${x.shape}]`);
  const [N, H, W, C] = x.shape;
  if (u.shape.length !== 3 || u.shape[0] !== 16 || u.shape[1] !== C) throw new Error(`${kernel}: weights must be [16, ${C}, K], got [${u.shape}]`);
  const K = u.shape[2];
  if (C % 4 || K % 4) throw new Error(`${kernel}: channels must be multiples of 4 (C=${C}, K=${K})`);
  if (options.bias) expectShape(kernel, 'bias', options.bias, [K]);
  const outShape = [N, H, W, K];
  if (options.residual) expectShape(kernel, 'residual', options.residual, outShape);
  const out = options.out ?? gpu.tensor(outShape);
  expectShape(kernel, 'output', out, outShape);
  const TH = Math.ceil(H / 2), TW = Math.ceil(W / 2), P = N * TH * TW;
  const rowBlocks = Math.ceil(P / 8);
  if (rowBlocks > gpu.limits.maxComputeWorkgroupsPerDimension) throw new Error(`${kernel}: ${P} tiles exceed one dispatch; split the batch`);
  const V = gpu.tensor([16, P, C], 'f32', 'winograd.V');
  const M = gpu.tensor([16, P, K], 'f32', 'winograd.M');
  const constants = { HAS_BIAS: options.bias ? 1 : 0, HAS_RESIDUAL: options.residual ? 1 : 0, RELU: options.relu ? 1 : 0 };
  const wg = Math.min(16, Math.max(1, Math.ceil(K / 8)));
  const [input, product, output] = await Promise.all([
    gpu.pipeline({ kernel, code: winogradShader, entryPoint: 'wino_input' }),
    gpu.pipeline({ kernel, code: winogradShader, entryPoint: 'wino_gemm', constants: { WG: wg } }),
    gpu.pipeline({ kernel, code: winogradShader, entryPoint: 'wino_output', constants }),
  ]);
  const params = (elements: number) => {
    const { workgroups, rowPitch } = elementwiseGrid(gpu, elements);
    return { workgroups, params: packParams({ N, H, W, C, K, TH, TW, P, row_pitch: rowPitch, a: 0, b: 0, c: 0 }) };
  };
  const inGrid = params(P * (C / 4));
  gpu.dispatch({ kernel: `${kernel}:input`, pipeline: input, params: inGrid.params, buffers: [x, V], workgroups: inGrid.workgroups });
  gpu.dispatch({ kernel: `${kernel}:gemm`, pipeline: product, params: inGrid.params, buffers: [V, u, M], workgroups: [Math.ceil(K / (8 * wg)), rowBlocks, 16] });
  const outGrid = params(P * (K / 4));
  const none = placeholder(gpu);
  gpu.dispatch({ kernel: `${kernel}:output`, pipeline: output, params: outGrid.params, buffers: [M, options.bias ?? none, options.residual ?? none, out], workgroups: outGrid.workgroups });
  const release = options.releaseScratch ?? ((t: Tensor) => gpu.releaseAfterFlush(t));
  release(V);
  release(M);
  return out;
}
