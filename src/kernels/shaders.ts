// Every kernel family's shader as its launcher composes it (includes expanded, the launcher's
// structs appended), by family: what the shader test compiles entry point by entry point.
import type { WgslSource } from '../gpu/shader.js';
import { ADAM_SHADER } from './adam.js';
import { AUGMENT_SHADER } from './augment.js';
import { BATCHNORM_SHADER } from './batchnorm.js';
import { BATCHNORM_TRAIN_SHADER } from './batchnorm-train.js';
import { CONV2D_SHADERS } from './conv2d.js';
import { GEMM_SHADERS } from './gemm.js';
import { HEAD_BACKWARD_SHADER } from './head-backward.js';
import { POOL_SHADER } from './pool.js';
import { SOFTMAX_SHADER } from './softmax.js';
import { WINOGRAD_SHADER } from './winograd.js';

export const KERNEL_SHADERS: Record<string, WgslSource> = {
  adam: ADAM_SHADER,
  augment: AUGMENT_SHADER,
  batchnorm: BATCHNORM_SHADER,
  batchnorm_train: BATCHNORM_TRAIN_SHADER,
  'conv2d/register': CONV2D_SHADERS.register,
  'conv2d/broadcast': CONV2D_SHADERS.broadcast,
  'conv2d/tiled': CONV2D_SHADERS.tiled,
  'gemm/register': GEMM_SHADERS.register,
  'gemm/broadcast': GEMM_SHADERS.broadcast,
  'gemm/tiled': GEMM_SHADERS.tiled,
  head_backward: HEAD_BACKWARD_SHADER,
  pool: POOL_SHADER,
  softmax: SOFTMAX_SHADER,
  winograd: WINOGRAD_SHADER,
};

/** The entry points of a shader: every `@compute` function. */
export function entryPoints(source: WgslSource): string[] {
  return [...source.code.matchAll(/@compute[^{]*?\bfn\s+(\w+)/g)].map((m) => m[1]);
}
