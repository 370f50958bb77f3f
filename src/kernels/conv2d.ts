// conv2d launcher: NHWC input, HWIO weights [KH, KW, Cin, Cout], NHWC output, with a fused
// epilogue (+ bias, + residual, ReLU). Also the weight-layout conversion from PyTorch's OIHW.
import conv2dBroadcast from '../../shaders/conv2d_broadcast.wgsl';
import conv2dRegister from '../../shaders/conv2d_register.wgsl';
import conv2dTiled from '../../shaders/conv2d_tiled.wgsl';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { type Variant, broadcastWorkgroup, defaultVariant, expectShape, packParams, placeholder, rowBlocks, supportsVariant } from './common.js';

export interface Conv2dOptions {
  stride?: number;
  pad?: number;
  bias?: Tensor;
  /** Added before the ReLU; same shape as the output (ResNet's shortcut). */
  residual?: Tensor;
  relu?: boolean;
  variant?: Variant;
  out?: Tensor;
}

export function conv2dOutputShape(input: readonly number[], weight: readonly number[], stride: number, pad: number): number[] {
  const [N, H, W] = input;
  const [KH, KW, , K] = weight;
  return [N, Math.floor((H + 2 * pad - KH) / stride) + 1, Math.floor((W + 2 * pad - KW) / stride) + 1, K];
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
  if (options.bias) expectShape(kernel, 'bias', options.bias, [K]);
  if (options.residual) expectShape(kernel, 'residual', options.residual, outShape);
  const out = options.out ?? gpu.tensor(outShape);
  expectShape(kernel, 'output', out, outShape);
  const M = N * OH * OW;
  const params = packParams({ N, H, W, C, OH, OW, K, KH, KW, stride, pad, M });
  const constants = {
    HAS_BIAS: options.bias ? 1 : 0,
    HAS_RESIDUAL: options.residual ? 1 : 0,
    RELU: options.relu ? 1 : 0,
  };
  const none = placeholder(gpu);
  const buffers = [x, w, options.bias ?? none, options.residual ?? none, out];
  const variant = options.variant ?? defaultVariant(gpu);
  if (variant === 'tiled') {
    const pipeline = await gpu.pipeline({ kernel: 'conv2d/tiled', code: conv2dTiled, entryPoint: 'conv_tiled', constants });
    gpu.dispatch({ kernel: 'conv2d/tiled', pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(K / 64), Math.ceil(M / 64)) });
    return out;
  }
  if (!supportsVariant(gpu, variant)) throw new Error(`${kernel}: the '${variant}' variant needs subgroups of 8 or 16 lanes`);
  if (variant === 'broadcast' && K % 4 === 0) {
    const wg = broadcastWorkgroup(gpu, Math.ceil(K / 8));
    const pipeline = await gpu.pipeline({ kernel: 'conv2d/broadcast', code: conv2dBroadcast, entryPoint: 'conv_broadcast', constants: { ...constants, WG: wg } });
    gpu.dispatch({ kernel: 'conv2d/broadcast', pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(K / (8 * wg)), Math.ceil(M / 16)) });
    return out;
  }
  // 'register', and 'broadcast' when Cout % 4 != 0.
  const wg = Math.min(16, Math.max(1, Math.ceil(K / 8)));
  const entryPoint = K % 4 === 0 ? 'conv_vec4' : 'conv_scalar';
  const pipeline = await gpu.pipeline({ kernel: 'conv2d/register', code: conv2dRegister, entryPoint, constants: { ...constants, WG: wg } });
  gpu.dispatch({ kernel: `conv2d/register:${entryPoint}`, pipeline, params, buffers, workgroups: rowBlocks(gpu, Math.ceil(K / (8 * wg)), Math.ceil(M / 8)) });
  return out;
}

/** PyTorch's conv weight [Cout, Cin, KH, KW] to our [KH, KW, Cin, Cout]. */
export function oihwToHwio(w: ArrayLike<number>, [O, I, KH, KW]: readonly number[]): Float32Array {
  const out = new Float32Array(O * I * KH * KW);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < KH; h++) for (let x = 0; x < KW; x++) {
    out[((h * KW + x) * I + i) * O + o] = w[((o * I + i) * KH + h) * KW + x];
  }
  return out;
}
