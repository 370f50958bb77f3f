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
  first_chunk: 'u32',
  last_chunk: 'u32',
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

/** Threads per partial-sum pass: enough blocks of rows to fill a GPU, each at least 16 rows. */
const TARGET_THREADS = 65536;

function blocking(rows: number, lanes: number): { blocks: number; rowsPerBlock: number } {
  const wanted = Math.max(1, Math.min(Math.ceil(rows / 16), Math.ceil(TARGET_THREADS / lanes)));
  const rowsPerBlock = Math.ceil(rows / wanted);
  return { blocks: Math.ceil(rows / rowsPerBlock), rowsPerBlock };
}

const channelsOf = (t: Tensor) => t.shape[t.shape.length - 1];
const rowsOf = (t: Tensor) => t.size / channelsOf(t);

/**
 * The batch statistics of `chunks` (one batch, split along N) and the affine map that
 * normalizes with them: returns stats [4, C] (mean, biased variance, scale, shift) for
 * `batchNormApply`. Updates `layer.running` when asked.
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
  const stats = gpu.tensor([4, C]);
  const channelGroups = Math.ceil(C / 64);
  const common = { C, update_running: o.updateRunning ? 1 : 0, row_pitch: 0, count, eps: layer.eps };
  for (const centered of [false, true]) {
    for (let k = 0; k < chunks.length; k++) {
      const x = chunks[k];
      const rows = rowsOf(x);
      // partial_sums4 (C a multiple of 4) runs a lane per 4 channels.
      const vec4 = C % 4 === 0;
      const { blocks, rowsPerBlock } = blocking(rows, vec4 ? C / 4 : C);
      const partials = gpu.tensor([blocks, C]);
      const params = BatchStatsParams.pack({
        ...common,
        rows,
        rows_per_block: rowsPerBlock,
        blocks,
        first_chunk: k === 0 ? 1 : 0,
        last_chunk: k === chunks.length - 1 ? 1 : 0,
        momentum: o.momentum,
      });
      const constants = { CENTERED: centered ? 1 : 0 };
      // The centred pass reads the mean; the other binds it too (the branch is a static use).
      await launch(gpu, {
        kernel: 'batchnorm_train',
        code: BATCHNORM_TRAIN_SHADER,
        entryPoint: vec4 ? 'partial_sums4' : 'partial_sums',
        constants,
        params,
        buffers: vec4
          ? [null, null, null, null, null, null, null, null, null, stats, null, null, x, partials]
          : [x, partials, stats],
        workgroups: [vec4 ? Math.ceil(C / 256) : channelGroups, blocks, 1],
      });
      await launch(gpu, {
        kernel: 'batchnorm_train',
        code: BATCHNORM_TRAIN_SHADER,
        entryPoint: 'accumulate',
        constants,
        params,
        buffers: [null, partials, null, stats],
        workgroups: [channelGroups, 1, 1],
      });
      gpu.releaseAfterFlush(partials);
    }
  }
  const params = BatchStatsParams.pack({
    ...common,
    rows: count,
    rows_per_block: 0,
    blocks: 0,
    first_chunk: 0,
    last_chunk: 0,
    momentum: o.momentum,
  });
  await launch(gpu, {
    kernel: 'batchnorm_train',
    code: BATCHNORM_TRAIN_SHADER,
    entryPoint: 'finalize',
    params,
    buffers: [null, null, null, stats, layer.gamma, layer.beta, layer.running],
    workgroups: [channelGroups, 1, 1],
  });
  return stats;
}

/** y = x * scale + shift (+ residual) (ReLU), in place on `x`, with batchStatistics' stats (vec4s where C allows). */
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
  const { workgroups, rowPitch } = elementwiseGrid(gpu, vec4 ? x.size / 4 : x.size);
  const params = BatchStatsParams.pack({
    rows,
    C,
    rows_per_block: 0,
    blocks: 0,
    first_chunk: 0,
    last_chunk: 0,
    update_running: 0,
    row_pitch: rowPitch,
    count: rows,
    eps: 0,
    momentum: 0,
  });
  await launch(gpu, {
    kernel: 'batchnorm_train',
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
