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

/** Softmax cross-entropy of logits [rows, cols] against u32 labels [rows]. */
export async function softmaxCrossEntropy(
  gpu: Gpu,
  logits: Tensor,
  labels: Tensor,
  out?: Partial<CrossEntropyResult>,
): Promise<CrossEntropyResult> {
  const kernel = 'softmax_cross_entropy';
  const [rows, cols] = rowsCols(kernel, logits);
  if (labels.dtype !== 'u32') throw new Error(`${kernel}: labels must be u32, got ${labels.dtype}`);
  expectShape(kernel, 'labels', labels, [rows]);
  const loss = out?.loss ?? gpu.tensor([1]);
  const grad = out?.grad ?? gpu.tensor([rows, cols]);
  expectShape(kernel, 'loss', loss, [1]);
  expectShape(kernel, 'grad', grad, [rows, cols]);
  const rowLoss = gpu.tensor([rows]);
  const params = SoftmaxParams.pack({ rows, cols, nan_bits: NAN_BITS });
  const [rowsPipeline, meanPipeline] = await Promise.all([
    gpu.pipeline({ kernel, code: SOFTMAX_SHADER, entryPoint: 'xent_rows' }),
    gpu.pipeline({ kernel, code: SOFTMAX_SHADER, entryPoint: 'xent_mean' }),
  ]);
  gpu.dispatch({
    kernel: `${kernel}:rows`,
    pipeline: rowsPipeline,
    params,
    buffers: [logits, labels, rowLoss, grad],
    workgroups: [Math.ceil(rows / 64)],
  });
  gpu.dispatch({ kernel: `${kernel}:mean`, pipeline: meanPipeline, params, buffers: [rowLoss, loss], workgroups: [1] });
  // Queue order keeps the scratch buffer alive for these dispatches even once pooled again.
  gpu.releaseAfterFlush(rowLoss);
  return { loss, grad };
}
