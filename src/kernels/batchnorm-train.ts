// Launchers for shaders/batchnorm_train.wgsl: training-mode batchnorm of one batch held in one
// or more chunks ([rows, C] views of NHWC activations), with the running-statistics update.
import batchnormTrainSource from '../../shaders/batchnorm_train.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, launch, placeholder } from './common.js';

export const BatchStatsParams = wgslStruct('BatchStatsParams', {
  rows: 'u32',
  C: 'u32',
  rows_per_block: 'u32',
  blocks: 'u32',
  block_base: 'u32',
  update_running: 'u32',
  row_pitch: 'u32',
  count: 'f32',
  eps: 'f32',
  momentum: 'f32',
});
export const BATCHNORM_TRAIN_SHADER = withStructs(batchnormTrainSource, [BatchStatsParams]);

/** A batchnorm layer's parameters on the GPU; `running` is [2, C]: running mean, then running variance. */
export interface BatchNormLayer {
  gamma: Tensor;
  beta: Tensor;
  running: Tensor;
  eps: number;
}

export interface BatchStatsOptions {
  /** Update the running statistics (PyTorch's train()); Keras 2.2's frozen layers do not. */
  updateRunning: boolean;
  /** PyTorch's momentum: running = (1 - momentum) running + momentum batch. */
  momentum: number;
}

/**
 * Lanes per pass over the rows: enough blocks of rows to fill a GPU, each at least 16 rows; a
 * CPU adapter runs a few threads, for which fewer, longer blocks cost less to start and combine.
 */
const TARGET_LANES = { gpu: 65536, cpu: 4096 };

function blocking(gpu: Gpu, rows: number, lanes: number): { blocks: number; rowsPerBlock: number } {
  const target = gpu.adapter.isCpu ? TARGET_LANES.cpu : TARGET_LANES.gpu;
  const wanted = Math.max(1, Math.min(Math.ceil(rows / 16), Math.ceil(target / lanes)));
  const rowsPerBlock = Math.ceil(rows / wanted);
  return { blocks: Math.ceil(rows / rowsPerBlock), rowsPerBlock };
}

const channelsOf = (t: Tensor) => t.shape[t.shape.length - 1];
const rowsOf = (t: Tensor) => t.size / channelsOf(t);

/** Uniforms whose fields a launch does not use are zero. */
const paramsOf = (values: Partial<Parameters<typeof BatchStatsParams.pack>[0]>) =>
  BatchStatsParams.pack({
    rows: 0,
    C: 0,
    rows_per_block: 0,
    blocks: 0,
    block_base: 0,
    update_running: 0,
    row_pitch: 0,
    count: 0,
    eps: 0,
    momentum: 0,
    ...values,
  });

/**
 * The batch statistics of `chunks` (one batch, split along N) and the affine map that
 * normalizes with them: returns stats [4, C] (mean, biased variance, scale, beta) for
 * `batchNormApply`. Updates `layer.running` when asked. One pass over each chunk, then one
 * small dispatch (see shaders/batchnorm_train.wgsl).
 */
export async function batchStatistics(
  gpu: Gpu,
  chunks: readonly Tensor[],
  layer: BatchNormLayer,
  o: BatchStatsOptions,
): Promise<Tensor> {
  const C = channelsOf(chunks[0]);
  for (const t of chunks) {
    if (channelsOf(t) !== C) throw new Error(`batchnorm_train: chunks of ${channelsOf(t)} and ${C} channels`);
  }
  expectShape('batchnorm_train', 'gamma', layer.gamma, [C]);
  expectShape('batchnorm_train', 'beta', layer.beta, [C]);
  expectShape('batchnorm_train', 'running', layer.running, [2, C]);
  const count = chunks.reduce((n, t) => n + rowsOf(t), 0);
  if (count < 2 && o.updateRunning)
    throw new Error('batchnorm_train: a running variance needs more than 1 value per channel');
  // block_moments4 (C a multiple of 4) runs a lane per 4 channels.
  const vec4 = C % 4 === 0;
  const blockings = chunks.map((x) => blocking(gpu, rowsOf(x), vec4 ? C / 4 : C));
  const totalBlocks = blockings.reduce((n, b) => n + b.blocks, 0);
  const moments = gpu.tensor([totalBlocks, 2, C], 'f32', 'batchnorm.moments');
  const counts = gpu.tensor([totalBlocks], 'f32', 'batchnorm.counts');
  const stats = gpu.tensor([4, C], 'f32', 'batchnorm.stats');
  let base = 0;
  for (let k = 0; k < chunks.length; k++) {
    const { blocks, rowsPerBlock } = blockings[k];
    const x = chunks[k];
    const params = paramsOf({ rows: rowsOf(x), C, rows_per_block: rowsPerBlock, blocks, block_base: base });
    const none = null;
    await launch(gpu, {
      kernel: 'batchnorm_train:moments',
      code: BATCHNORM_TRAIN_SHADER,
      entryPoint: vec4 ? 'block_moments4' : 'block_moments',
      params,
      buffers: vec4
        ? [none, none, none, none, none, none, none, none, none, none, none, none, x, moments, counts]
        : [x, moments, none, none, none, none, none, none, none, none, none, none, none, none, counts],
      workgroups: [Math.ceil((vec4 ? C / 4 : C) / 64), blocks, 1],
    });
    base += blocks;
  }
  await launch(gpu, {
    kernel: 'batchnorm_train:combine',
    code: BATCHNORM_TRAIN_SHADER,
    entryPoint: 'combine',
    params: paramsOf({
      C,
      blocks: totalBlocks,
      count,
      eps: layer.eps,
      momentum: o.momentum,
      update_running: o.updateRunning ? 1 : 0,
    }),
    buffers: [
      null,
      moments,
      null,
      stats,
      layer.gamma,
      layer.beta,
      layer.running,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      counts,
    ],
    workgroups: [Math.ceil(C / 16), 1, 1],
  });
  gpu.releaseAfterFlush(moments);
  gpu.releaseAfterFlush(counts);
  return stats;
}

/**
 * y = (x - mean) * scale + beta (+ residual) (ReLU), in place on `x`, with batchStatistics'
 * stats (vec4s where C allows).
 */
export async function batchNormApply(
  gpu: Gpu,
  x: Tensor,
  stats: Tensor,
  o: { residual?: Tensor; relu?: boolean } = {},
): Promise<Tensor> {
  const C = channelsOf(x);
  expectShape('batchnorm_train', 'stats', stats, [4, C]);
  if (o.residual) expectShape('batchnorm_train', 'residual', o.residual, x.shape);
  const rows = rowsOf(x);
  const vec4 = C % 4 === 0;
  // normalize4 walks blocks of rows as block_moments4 does; normalize takes an element each.
  const { blocks, rowsPerBlock } = blocking(gpu, rows, C / 4);
  const grid = elementwiseGrid(gpu, x.size);
  const workgroups: [number, number, number] = vec4
    ? [Math.ceil(C / 4 / 64), blocks, 1]
    : [grid.workgroups[0], grid.workgroups[1], 1];
  const params = paramsOf({ rows, C, row_pitch: grid.rowPitch, rows_per_block: rowsPerBlock, blocks, count: rows });
  await launch(gpu, {
    kernel: 'batchnorm_train:normalize',
    code: BATCHNORM_TRAIN_SHADER,
    entryPoint: vec4 ? 'normalize4' : 'normalize',
    constants: { HAS_RESIDUAL: o.residual ? 1 : 0, RELU: o.relu ? 1 : 0 },
    params,
    buffers: vec4
      ? [null, null, null, null, null, null, null, null, null, stats, x, o.residual ?? placeholder(gpu)]
      : [null, null, stats, null, null, null, null, x, o.residual ?? placeholder(gpu)],
    workgroups,
  });
  return x;
}
