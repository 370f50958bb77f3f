// conv2d launcher: NHWC input, HWIO weights [KH, KW, Cin, Cout], NHWC output, with the fused
// epilogue (+ bias, + residual, ReLU).
import conv2dBroadcastSource from '../../shaders/conv2d_broadcast.wgsl';
import conv2dRegisterSource from '../../shaders/conv2d_register.wgsl';
import conv2dTiledSource from '../../shaders/conv2d_tiled.wgsl';
import splitKSource from '../../shaders/split_k.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import type { Tensor } from '../gpu/tensor.js';
import {
  type Variant,
  elementwiseGrid,
  splitKFor,
  WINDOW_FIELDS,
  atPrecisions,
  expectDtype,
  storagePrecision,
  launch,
  launchRegister,
  broadcastWorkgroup,
  chooseVariant,
  epilogueConstants,
  expectShape,
  placeholder,
  rowBlocks,
  tile128Fills,
} from './common.js';
import { outputSize } from '../util/shapes.js';

/** The uniforms of every conv variant (shaders/common/conv_input.wgsl reads them). */
export const ConvParams = wgslStruct('ConvParams', { ...WINDOW_FIELDS, K: 'u32', M: 'u32' });

/** The uniforms of the split-K sum (shaders/split_k.wgsl). */
export const SplitKParams = wgslStruct('SplitKParams', { M: 'u32', N: 'u32', splits: 'u32', row_pitch: 'u32' });
export const SPLIT_K_SHADERS = atPrecisions(splitKSource, [SplitKParams]);

/** Each variant's shader at each storage precision (CONV2D_SHADERS.tiled.f16, ...). */
export const CONV2D_SHADERS = {
  register: atPrecisions(conv2dRegisterSource, [ConvParams]),
  broadcast: atPrecisions(conv2dBroadcastSource, [ConvParams]),
  tiled: atPrecisions(conv2dTiledSource, [ConvParams]),
} as const;

/**
 * Input, weights, residual and output are all f32 or all f16 (the storage precision; the
 * kernels accumulate in f32 either way); the bias is f32.
 */
export interface Conv2dOptions {
  stride?: number;
  pad?: number;
  bias?: Tensor;
  /** Added before the ReLU; same shape as the output (ResNet's shortcut). */
  residual?: Tensor;
  relu?: boolean;
  variant?: Variant;
  /**
   * Output tile of the 'tiled' variant: 64x64, or 128x128 (input and output channels multiples
   * of 4); by default convTile's choice.
   */
  tile?: 64 | 128;
  /**
   * Splits of the 'tiled' variant's reduction (each into partial sums that a second pass adds
   * up): by default splitKFor's choice for the grid.
   */
  splitK?: number;
  out?: Tensor;
}

/** The 'tiled' variant's default tile for an implicit GEMM of M pixels, K output and C input channels. */
export function convTile(M: number, K: number, C: number): 64 | 128 {
  if (C % 4 !== 0 || K % 4 !== 0) return 64;
  return tile128Fills(M, K) ? 128 : 64;
}

export function conv2dOutputShape(
  input: readonly number[],
  weight: readonly number[],
  stride: number,
  pad: number,
): number[] {
  const [N, H, W] = input;
  const [KH, KW, , K] = weight;
  return [N, outputSize(H, KH, stride, pad), outputSize(W, KW, stride, pad), K];
}

export async function conv2d(gpu: Gpu, x: Tensor, w: Tensor, options: Conv2dOptions = {}): Promise<Tensor> {
  const kernel = 'conv2d';
  const stride = options.stride ?? 1;
  const pad = options.pad ?? 0;
  if (x.shape.length !== 4) throw new Error(`${kernel}: input must be NHWC, got [${x.shape}]`);
  if (w.shape.length !== 4) throw new Error(`${kernel}: weight must be [KH, KW, Cin, Cout], got [${w.shape}]`);
  const [N, H, W, C] = x.shape;
  const [KH, KW, Cw, K] = w.shape;
  if (C !== Cw) throw new Error(`${kernel}: input has ${C} channels, weight expects ${Cw}`);
  const outShape = conv2dOutputShape(x.shape, w.shape, stride, pad);
  const [, OH, OW] = outShape;
  if (OH < 1 || OW < 1) throw new Error(`${kernel}: ${KH}x${KW} kernel with pad ${pad} does not fit a ${H}x${W} input`);
  if (options.bias) {
    expectShape(kernel, 'bias', options.bias, [K]);
    expectDtype(kernel, 'bias', options.bias, 'f32');
  }
  if (options.residual) expectShape(kernel, 'residual', options.residual, outShape);
  const out = options.out ?? gpu.tensor(outShape, x.dtype);
  expectShape(kernel, 'output', out, outShape);
  const precision = storagePrecision(kernel, { input: x, weight: w, residual: options.residual, output: out });
  const M = N * OH * OW;
  const params = ConvParams.pack({ N, H, W, C, OH, OW, K, KH, KW, stride, pad, M });
  const constants = epilogueConstants(options);
  const none = placeholder(gpu);
  const buffers = [x, w, options.bias ?? none, options.residual ?? none, out];
  const variant = chooseVariant(gpu, kernel, options.variant, { broadcast: K % 4 === 0 });
  if (variant === 'tiled') {
    const tile = options.tile ?? convTile(M, K, C);
    if (tile === 128 && (C % 4 !== 0 || K % 4 !== 0))
      throw new Error(`${kernel}: 128x128 tiles need channel counts that are multiples of 4, got ${C} -> ${K}`);
    const columns = Math.ceil(K / tile),
      rows = Math.ceil(M / tile);
    const steps = Math.ceil((KH * KW * C) / (tile === 128 ? 8 : 16));
    const splits = options.splitK ?? splitKFor(gpu, columns * rows, steps);
    if (!Number.isInteger(splits) || splits < 1 || splits > steps)
      throw new Error(`${kernel}: splitK ${splits} is not a whole number from 1 to the ${steps} reduction steps`);
    const name = `${tile === 128 ? 'conv2d/tiled128' : 'conv2d/tiled'}${splits > 1 ? ` split ${splits}` : ''}`;
    const code = CONV2D_SHADERS.tiled[precision];
    const entryPoint = tile === 128 ? 'conv_tiled128' : 'conv_tiled';
    if (splits === 1) {
      const workgroups = rowBlocks(gpu, columns, rows);
      await launch(gpu, { kernel: name, code, entryPoint, constants, params, buffers, workgroups });
    } else {
      if (rows > gpu.limits.maxComputeWorkgroupsPerDimension)
        throw new Error(`${kernel}: ${rows} row tiles are too many to split the reduction`);
      const partials = gpu.tensor([splits, M, K], 'f32', 'conv2d.partials');
      await launch(gpu, {
        kernel: name,
        code,
        entryPoint: `${entryPoint}_split`,
        constants: { SPLIT_K: splits },
        params,
        buffers: [x, w, null, null, null, partials],
        workgroups: [columns, rows, splits],
      });
      const vec4 = K % 4 === 0;
      const { workgroups, rowPitch } = elementwiseGrid(gpu, (M * K) / (vec4 ? 4 : 1));
      await launch(gpu, {
        kernel: `conv2d/split-k sum`,
        code: SPLIT_K_SHADERS[precision],
        entryPoint: vec4 ? 'split_sum4' : 'split_sum',
        constants,
        params: SplitKParams.pack({ M, N: K, splits, row_pitch: rowPitch }),
        buffers: [partials, null, options.bias ?? none, options.residual ?? none, out],
        workgroups,
      });
      gpu.releaseAfterFlush(partials);
    }
  } else if (variant === 'broadcast') {
    const wg = broadcastWorkgroup(gpu, Math.ceil(K / 8));
    const workgroups = rowBlocks(gpu, Math.ceil(K / (8 * wg)), Math.ceil(M / 16));
    const code = CONV2D_SHADERS.broadcast[precision];
    await launch(gpu, {
      kernel: 'conv2d/broadcast',
      code,
      entryPoint: 'conv_broadcast',
      constants: { ...constants, WG: wg },
      params,
      buffers,
      workgroups,
    });
  } else {
    const entryPoint = K % 4 === 0 ? 'conv_vec4' : 'conv_scalar';
    const code = CONV2D_SHADERS.register[precision];
    await launchRegister(gpu, {
      kernel: 'conv2d/register',
      code,
      entryPoint,
      constants,
      params,
      buffers,
      rows: M,
      columns: K,
    });
  }
  return out;
}
