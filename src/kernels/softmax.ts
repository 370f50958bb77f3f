// Softmax and softmax cross-entropy launchers (rows x cols, row-major).
import softmaxSource from '../../shaders/softmax.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { expectShape, launch } from './common.js';

/** nan_bits holds NAN_BITS: WGSL rejects NaN as a constant, so it arrives as a uniform. */
export const SoftmaxParams = wgslStruct('SoftmaxParams', { rows: 'u32', cols: 'u32', nan_bits: 'u32' });
export const SOFTMAX_SHADER = withStructs(softmaxSource, [SoftmaxParams]);
const NAN_BITS = 0x7fc00000;

function rowsCols(kernel: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) throw new Error(`${kernel}: input must be [rows, cols], got [${x.shape}]`);
  if (x.shape[1] < 1) throw new Error(`${kernel}: rows must have at least one column`);
  return [x.shape[0], x.shape[1]];
}

export async function softmax(gpu: Gpu, x: Tensor, out?: Tensor): Promise<Tensor> {
  const [rows, cols] = rowsCols('softmax', x);
  const y = out ?? gpu.tensor([rows, cols]);
  expectShape('softmax', 'output', y, x.shape);
  await launch(gpu, {
    kernel: 'softmax',
    code: SOFTMAX_SHADER,
    entryPoint: 'softmax',
    params: SoftmaxParams.pack({ rows, cols, nan_bits: NAN_BITS }),
    buffers: [x, y],
    workgroups: [Math.ceil(rows / 64)],
  });
  return y;
}

export interface CrossEntropyResult {
  /** [1]: the mean loss over the batch. */
  loss: Tensor;
  /** [rows, cols]: d(mean loss)/d(logits). */
  grad: Tensor;
}

/**
 * Which cross-entropy: PyTorch's CrossEntropyLoss on logits, or Keras 2.2.2's
 * sparse_categorical_crossentropy on softmax probabilities, clipped to [1e-7, 1 - 1e-7].
 */
export type CrossEntropyFlavor = 'pytorch' | 'keras';

/** K.epsilon() in Keras 2.2.2: the clip of probabilities in its cross-entropy. */
export const KERAS_EPSILON = 1e-7;

/**
 * Per-row factors of a class-weighted loss: the loss is sum_r scale[r] * loss[r]. PyTorch's
 * CrossEntropyLoss(weight=w) divides by the batch's total weight; Keras 2.2.2's class_weight
 * multiplies each sample's loss and takes the plain mean (training.py, weighted_masked_objective).
 */
export function classWeightedRowScale(
  labels: ArrayLike<number>,
  classWeights: ArrayLike<number>,
  flavor: CrossEntropyFlavor,
): Float32Array {
  const w = Array.from(labels, (y) => classWeights[y]);
  const norm = flavor === 'keras' ? w.length : w.reduce((a, b) => a + b, 0);
  return Float32Array.from(w, (x) => x / norm);
}

/**
 * Softmax cross-entropy of logits [rows, cols] against u32 labels [rows]: the mean over the
 * rows, or with `rowScale` [rows] (see classWeightedRowScale) the scaled sum.
 */
export async function softmaxCrossEntropy(
  gpu: Gpu,
  logits: Tensor,
  labels: Tensor,
  out?: Partial<CrossEntropyResult>,
  flavor: CrossEntropyFlavor = 'pytorch',
  rowScale?: Tensor,
): Promise<CrossEntropyResult> {
  const kernel = 'softmax_cross_entropy';
  const [rows, cols] = rowsCols(kernel, logits);
  if (labels.dtype !== 'u32') throw new Error(`${kernel}: labels must be u32, got ${labels.dtype}`);
  expectShape(kernel, 'labels', labels, [rows]);
  const loss = out?.loss ?? gpu.tensor([1]);
  const grad = out?.grad ?? gpu.tensor([rows, cols]);
  expectShape(kernel, 'loss', loss, [1]);
  expectShape(kernel, 'grad', grad, [rows, cols]);
  if (rowScale) expectShape(kernel, 'row scale', rowScale, [rows]);
  const rowLoss = gpu.tensor([rows]);
  const params = SoftmaxParams.pack({ rows, cols, nan_bits: NAN_BITS });
  const [rowsPipeline, meanPipeline] = await Promise.all([
    gpu.pipeline({
      kernel,
      code: SOFTMAX_SHADER,
      entryPoint: rowScale ? 'xent_rows_weighted' : 'xent_rows',
      constants: { KERAS_CLIP: flavor === 'keras' ? KERAS_EPSILON : 0 },
    }),
    gpu.pipeline({ kernel, code: SOFTMAX_SHADER, entryPoint: rowScale ? 'xent_sum' : 'xent_mean' }),
  ]);
  gpu.dispatch({
    kernel: `${kernel}:rows`,
    pipeline: rowsPipeline,
    params,
    buffers: rowScale ? [logits, labels, rowLoss, grad, rowScale] : [logits, labels, rowLoss, grad],
    workgroups: [Math.ceil(rows / 64)],
  });
  gpu.dispatch({ kernel: `${kernel}:mean`, pipeline: meanPipeline, params, buffers: [rowLoss, loss], workgroups: [1] });
  // Queue order keeps the scratch buffer alive for these dispatches even once pooled again.
  gpu.releaseAfterFlush(rowLoss);
  return { loss, grad };
}
