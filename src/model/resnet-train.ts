// ResNet forward with batchnorm in training mode: each batchnorm normalizes with the batch's
// own statistics (over N, H and W of every chunk of the batch) and, under PyTorch's train(),
// updates its running statistics, which the inference model (resnet.ts) later folds in. What
// the article's PyTorch code does with a frozen backbone in model.train(), and what Keras 2.2
// does with frozen layers in the learning phase (statistics of the batch, no update).
//
// Convs keep their own weights (and Keras's biases), unfolded; the batch is processed layer
// by layer across its chunks, since a layer's statistics need every chunk before any can be
// normalized.
import { type Gpu, type Recording, RecordingCache } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { type BatchNormLayer, batchNormApply, batchStatistics } from '../kernels/batchnorm-train.js';
import { globalAvgPool, maxPool2d } from '../kernels/pool.js';
import { type TensorMap, toFloat32 } from '../weights/host-tensor.js';
import { type ConvBn, type Plan, plan as makePlan, planConvs } from './architecture.js';
import type { BackboneWeights } from './backbone.js';
import { oihwToHwio } from './prepare.js';
import { type GpuConv, KEPT_RECORDINGS, maxBatchFor, releaseConv, runConv, uploadConv } from './resnet.js';
import { PREPROCESSING } from '../image/preprocess.js';

/** How batchnorm layers treat the running statistics while they normalize with the batch's. */
export interface BatchNormMode {
  /** PyTorch's train() updates them; Keras 2.2's frozen (trainable = False) layers do not. */
  updateRunning: boolean;
  /** PyTorch's BatchNorm2d momentum. */
  momentum: number;
}

/** PyTorch's BatchNorm2d defaults. */
export const PYTORCH_TRAIN_MODE: BatchNormMode = { updateRunning: true, momentum: 0.1 };

interface ConvWithBn {
  conv: GpuConv;
  bn: BatchNormLayer;
}

export class BatchStatsResNet {
  private constructor(
    readonly gpu: Gpu,
    readonly plan: Plan,
    private readonly layers: Map<string, ConvWithBn>,
    readonly mode: BatchNormMode,
  ) {}

  /** Recorded forwards by the chunks' shapes. */
  private readonly recordings = new RecordingCache<{ inputs: Tensor[]; features: Tensor[]; recording: Recording }>(
    KEPT_RECORDINGS,
  );

  static load(gpu: Gpu, { spec, tensors }: BackboneWeights, mode: BatchNormMode): BatchStatsResNet {
    const p = makePlan(spec);
    const get = (name: string) => toFloat32(tensors.get(name)!);
    const layers = new Map<string, ConvWithBn>();
    const add = (c: ConvBn) => {
      const w = tensors.get(`${c.conv}.weight`)!;
      const running = new Float32Array(2 * c.outC);
      running.set(get(`${c.bn}.running_mean`));
      running.set(get(`${c.bn}.running_var`), c.outC);
      layers.set(c.conv, {
        conv: uploadConv(gpu, c, oihwToHwio(toFloat32(w), w.shape), c.bias ? get(`${c.conv}.bias`) : null),
        bn: {
          gamma: gpu.upload(get(`${c.bn}.weight`), [c.outC], `${c.bn}.weight`),
          beta: gpu.upload(get(`${c.bn}.bias`), [c.outC], `${c.bn}.bias`),
          running: gpu.upload(running, [2, c.outC], `${c.bn}.running`),
          eps: c.eps,
        },
      });
    };
    planConvs(p).forEach(add);
    return new BatchStatsResNet(gpu, p, layers, mode);
  }

  /** The most images one chunk may hold (a batch may have any number of chunks). */
  maxBatch(height: number = PREPROCESSING.size, width: number = PREPROCESSING.size): number {
    return maxBatchFor(this.gpu, this.plan, height, width);
  }

  /** conv -> batchnorm with the statistics of all chunks (-> + residual) (-> ReLU), chunk by chunk. */
  private async convBn(name: string, xs: readonly Tensor[], relu: boolean, residual?: Tensor[]): Promise<Tensor[]> {
    const { conv, bn } = this.layers.get(name)!;
    const ys: Tensor[] = [];
    for (const x of xs) ys.push(await runConv(this.gpu, conv, x, false));
    const stats = await batchStatistics(this.gpu, ys, bn, this.mode);
    for (let k = 0; k < ys.length; k++) await batchNormApply(this.gpu, ys[k], stats, { residual: residual?.[k], relu });
    stats.release();
    return ys;
  }

  /**
   * Features [n, F] of each chunk of one batch (NHWC inputs, each within maxBatch()); the
   * running statistics are updated when the mode says so. Runs the recorded forward of the
   * chunks' shapes (made on first use) on copies of the inputs; the caller releases the results.
   */
  async forward(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const key = inputs.map((t) => t.shape.join('x')).join('|');
    const r = await this.recordings.get(key, async () => {
      const { recording, result } = await this.gpu.record(async () => {
        const chunks = inputs.map((t) => this.gpu.tensor(t.shape, t.dtype, 'images'));
        return { inputs: chunks, features: await this.dispatchForward(chunks) };
      });
      return { ...result, recording };
    });
    inputs.forEach((t, i) => this.gpu.copy(t, r.inputs[i]));
    this.gpu.replay(r.recording);
    const features = r.features.map((f) => {
      const out = this.gpu.tensor(f.shape, f.dtype);
      this.gpu.copy(f, out);
      return out;
    });
    await this.gpu.flush();
    return features;
  }

  /** Dispatches the forward of one batch's chunks; intermediates are released after their last reader. */
  private async dispatchForward(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const release = (ts: readonly Tensor[]) => ts.forEach((t) => t.release());
    let xs = await this.convBn(this.plan.stem.conv, inputs, true);
    const pooled: Tensor[] = [];
    for (const x of xs) pooled.push(await maxPool2d(this.gpu, x, this.plan.stemPool));
    release(xs);
    xs = pooled;
    for (const block of this.plan.blocks) {
      const shortcut = block.downsample ? await this.convBn(block.downsample.conv, xs, false) : xs;
      let ys = xs;
      for (let i = 0; i < block.convs.length; i++) {
        const last = i === block.convs.length - 1;
        const next = await this.convBn(block.convs[i].conv, ys, true, last ? shortcut : undefined);
        if (ys !== xs) release(ys);
        ys = next;
      }
      if (shortcut !== xs) release(shortcut);
      release(xs);
      xs = ys;
    }
    const features: Tensor[] = [];
    for (const x of xs) features.push(await globalAvgPool(this.gpu, x));
    release(xs);
    return features;
  }

  /** Every batchnorm's running mean and variance as they stand, under torchvision's names. */
  async runningStatistics(): Promise<TensorMap> {
    const out: TensorMap = new Map();
    for (const c of planConvs(this.plan)) {
      const r = await this.layers.get(c.conv)!.bn.running.read();
      out.set(`${c.bn}.running_mean`, { dtype: 'float32', shape: [c.outC], data: r.slice(0, c.outC) });
      out.set(`${c.bn}.running_var`, { dtype: 'float32', shape: [c.outC], data: r.slice(c.outC) });
    }
    return out;
  }

  destroy(): void {
    this.recordings.destroy();
    for (const { conv, bn } of this.layers.values()) {
      releaseConv(conv);
      bn.gamma.release();
      bn.beta.release();
      bn.running.release();
    }
  }
}

/** The weights' own running statistics (every batchnorm's running_mean and running_var), as float32. */
export function runningStatisticsOf(weights: BackboneWeights): TensorMap {
  const out: TensorMap = new Map();
  for (const [name, t] of weights.tensors) {
    if (/running_(mean|var)$/.test(name))
      out.set(name, { dtype: 'float32', shape: [...t.shape], data: Float32Array.from(toFloat32(t)) });
  }
  return out;
}

/** The weights with their batchnorms' running statistics replaced (for the inference model after training). */
export function withRunningStatistics(weights: BackboneWeights, running: TensorMap): BackboneWeights {
  const tensors: TensorMap = new Map(weights.tensors);
  for (const [name, t] of running) {
    const old = tensors.get(name);
    if (!old || old.shape.join() !== t.shape.join())
      throw new Error(`running statistics: ${name} does not fit the weights`);
    tensors.set(name, t);
  }
  return { ...weights, tensors };
}
