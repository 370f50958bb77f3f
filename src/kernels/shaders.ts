// Every kernel family's shader as its launcher composes it (includes expanded, the launcher's
// structs appended), by family: what the shader test compiles entry point by entry point.
// Families with an f16 storage path appear twice, the f16 one as 'family@f16'.
import type { WgslSource } from '../gpu/shader.js';
import { ADAM_SHADER } from './adam.js';
import { AUGMENT_SHADER } from './augment.js';
import { BATCHNORM_SHADER } from './batchnorm.js';
import { BATCHNORM_TRAIN_SHADER } from './batchnorm-train.js';
import { CAST_SHADERS } from './cast.js';
import { CONV2D_SHADERS, SPLIT_K_SHADERS } from './conv2d.js';
import { GEMM_SHADERS } from './gemm.js';
import { HEAD_BACKWARD_SHADER } from './head-backward.js';
import { POOL_SHADERS } from './pool.js';
import { SOFTMAX_SHADER } from './softmax.js';
import { WINOGRAD_SHADERS } from './winograd.js';

export const KERNEL_SHADERS: Record<string, WgslSource> = {
  adam: ADAM_SHADER,
  augment: AUGMENT_SHADER,
  batchnorm: BATCHNORM_SHADER,
  batchnorm_train: BATCHNORM_TRAIN_SHADER,
  'cast@f16': CAST_SHADERS.f16,
  'conv2d/register': CONV2D_SHADERS.register.f32,
  'conv2d/broadcast': CONV2D_SHADERS.broadcast.f32,
  'conv2d/tiled': CONV2D_SHADERS.tiled.f32,
  'conv2d/register@f16': CONV2D_SHADERS.register.f16,
  'conv2d/broadcast@f16': CONV2D_SHADERS.broadcast.f16,
  'conv2d/tiled@f16': CONV2D_SHADERS.tiled.f16,
  'gemm/register': GEMM_SHADERS.register.f32,
  'gemm/broadcast': GEMM_SHADERS.broadcast.f32,
  'gemm/tiled': GEMM_SHADERS.tiled.f32,
  'gemm/register@f16': GEMM_SHADERS.register.f16,
  'gemm/broadcast@f16': GEMM_SHADERS.broadcast.f16,
  'gemm/tiled@f16': GEMM_SHADERS.tiled.f16,
  head_backward: HEAD_BACKWARD_SHADER,
  pool: POOL_SHADERS.f32,
  'pool@f16': POOL_SHADERS.f16,
  softmax: SOFTMAX_SHADER,
  split_k: SPLIT_K_SHADERS.f32,
  'split_k@f16': SPLIT_K_SHADERS.f16,
  winograd: WINOGRAD_SHADERS.f32,
  'winograd@f16': WINOGRAD_SHADERS.f16,
};

/** The entry points of a shader: every `@compute` function. */
export function entryPoints(source: WgslSource): string[] {
  return [...source.code.matchAll(/@compute[^{]*?\bfn\s+(\w+)/g)].map((m) => m[1]);
}
