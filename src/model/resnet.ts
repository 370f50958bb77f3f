// ResNet forward pass on our kernels: NHWC activations, batchnorm folded into each conv at
// load (conv + bias + optional shortcut + ReLU is one dispatch), global average pooling,
// and the ImageNet classifier as a GEMM when the weights carry it. At precision 'f16' the
// activations and conv weights are stored as f16 (every kernel accumulates in f32); biases,
// Winograd's transformed weights, the features and the logits stay f32.
import { InputError } from '../errors.js';
import { type Gpu, type Recording, RecordingCache } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { toF16 } from '../kernels/cast.js';
import { F16_MAX } from '../util/half.js';
import { conv2d } from '../kernels/conv2d.js';
import { gemm } from '../kernels/gemm.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../kernels/winograd.js';
import { globalAvgPool, maxPool2d } from '../kernels/pool.js';
import { type TensorMap, toFloat32 } from '../weights/host-tensor.js';
import { type ConvBn, type Plan, IMAGENET_CLASS_COUNT, plan as makePlan, planConvs } from './architecture.js';
import type { BackboneWeights } from './backbone.js';
import { foldBatchNorm, oihwToHwio } from './prepare.js';
import { PREPROCESSING } from '../image/preprocess.js';
import { outputSize } from '../util/shapes.js';

/** A conv on the GPU: HWIO weights for the direct kernel, or Winograd's [36, Cin, Cout] matrices. */
export interface GpuConv {
  spec: ConvBn;
  weight: Tensor;
  bias: Tensor | null;
  winograd: boolean;
}

/**
 * 3x3 stride-1 convs go through Winograd F(4x4, 3x3): bench:kernels measured it faster than
 * both F(2x2, 3x3) and the direct conv (either tile) on every such ResNet-50 shape, on CPU
 * adapters and on an H200 at batch 32 (the figures are in bench/results/ and docs/results.md).
 */
function winogradTile(c: ConvBn): WinogradTile | null {
  const fits = c.kernel === 3 && c.stride === 1 && c.pad === 1 && c.inC % 4 === 0 && c.outC % 4 === 0;
  return fits ? 4 : null;
}

/**
 * Uploads a conv's HWIO weights (transformed for Winograd where it is faster; those stay f32)
 * at the storage precision, and its bias (f32).
 */
export function uploadConv(
  gpu: Gpu,
  c: ConvBn,
  hwio: Float32Array,
  bias: Float32Array | null,
  precision: Precision = 'f32',
): GpuConv {
  const tile = winogradTile(c);
  if (precision === 'f16' && !tile) {
    let largest = 0;
    for (const v of hwio) largest = Math.max(largest, Math.abs(v));
    if (largest > F16_MAX)
      throw new Error(`${c.conv}: folded weights reach ${largest.toPrecision(3)}, past f16's ${F16_MAX}: run at f32`);
  }
  return {
    spec: c,
    weight: tile
      ? gpu.upload(winogradWeights(hwio, c.inC, c.outC, tile), [winogradPositions(tile), c.inC, c.outC], c.conv)
      : gpu.upload(hwio, [c.kernel, c.kernel, c.inC, c.outC], c.conv, precision),
    bias: bias ? gpu.upload(bias, [c.outC], `${c.conv}.bias`) : null,
    winograd: tile !== null,
  };
}

/** Records a conv with its fused epilogue; Winograd's scratch goes straight back to the pool (see ResNet.forward). */
export function runConv(gpu: Gpu, c: GpuConv, x: Tensor, relu: boolean, residual?: Tensor): Promise<Tensor> {
  const bias = c.bias ?? undefined;
  if (c.winograd)
    return conv3x3Winograd(gpu, x, c.weight, { bias, residual, relu, releaseScratch: (t) => t.release() });
  return conv2d(gpu, x, c.weight, { stride: c.spec.stride, pad: c.spec.pad, bias, residual, relu });
}

/** Why this device cannot run a ResNet at `precision`, or null. */
export function devicePrecisionProblem(gpu: Gpu, precision: Precision): string | null {
  if (precision === 'f32' || gpu.hasF16) return null;
  return `precision f16 needs shader-f16, which this adapter (${gpu.adapter.description || gpu.adapter.vendor}) lacks`;
}

/**
 * Throws where features are not all finite: at f16 an activation past the largest half
 * (65504) overflows to infinity, which the features then carry.
 */
export function checkFeatures(features: Float32Array, precision: Precision): void {
  for (let i = 0; i < features.length; i++) {
    if (Number.isFinite(features[i])) continue;
    const hint = precision === 'f16' ? `: at f16 an activation passed ${F16_MAX}; run at f32` : '';
    throw new Error(`backbone features are not finite (${features[i]} at ${i})${hint}`);
  }
}

export function releaseConv(c: GpuConv): void {
  c.weight.release();
  c.bias?.release();
}

/** Bytes of the largest activation of one image at this input size. */
export function activationBytesPerImage(p: Plan, height: number, width: number): number {
  let h = height,
    w = width,
    largest = h * w * 3;
  const through = (o: { kernel: number; stride: number; pad: number }) => {
    h = outputSize(h, o.kernel, o.stride, o.pad);
    w = outputSize(w, o.kernel, o.stride, o.pad);
  };
  through(p.stem);
  largest = Math.max(largest, h * w * p.stem.outC);
  through(p.stemPool);
  for (const b of p.blocks) {
    for (const c of b.convs) {
      through(c);
      largest = Math.max(largest, h * w * c.outC);
    }
  }
  return largest * 4;
}

/** The most images one forward may take without exceeding the adapter's binding and buffer limits. */
export function maxBatchFor(gpu: Gpu, p: Plan, height: number, width: number): number {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  return Math.max(1, Math.floor(limit / activationBytesPerImage(p, height, width)));
}

export interface ForwardResult {
  features: Tensor;
  logits?: Tensor;
}

/** A forward recorded for one input shape (ResNet.recorded). */
export interface RecordedForward extends ForwardResult {
  input: Tensor;
  recording: Recording;
}

/** Recorded forwards a model keeps (one per input shape: a run's full and last batches, and one more). */
export const KEPT_RECORDINGS = 3;

export interface EmbedResult {
  features: Float32Array;
  logits?: Float32Array;
}

/** Every conv of the plan with its batchnorm folded in: HWIO weights and a bias, keyed by conv name. */
export function foldedConvs(
  p: Plan,
  tensors: TensorMap,
): Map<string, { spec: ConvBn; weight: Float32Array; bias: Float32Array }> {
  const get = (name: string) => toFloat32(tensors.get(name)!);
  const out = new Map<string, { spec: ConvBn; weight: Float32Array; bias: Float32Array }>();
  const fold = (c: ConvBn) => {
    const w = tensors.get(`${c.conv}.weight`)!;
    const folded = foldBatchNorm(oihwToHwio(toFloat32(w), w.shape), c.bias ? get(`${c.conv}.bias`) : null, {
      gamma: get(`${c.bn}.weight`),
      beta: get(`${c.bn}.bias`),
      mean: get(`${c.bn}.running_mean`),
      variance: get(`${c.bn}.running_var`),
      eps: c.eps,
    });
    out.set(c.conv, { spec: c, ...folded });
  };
  planConvs(p).forEach(fold);
  return out;
}

export class ResNet {
  private constructor(
    readonly gpu: Gpu,
    readonly plan: Plan,
    private readonly convs: Map<string, GpuConv>,
    private readonly fc: { weight: Tensor; bias: Tensor } | null,
    /** How activations and conv weights are stored (see the top of this file). */
    readonly precision: Precision,
  ) {}

  /** Recorded forwards by input shape. */
  private readonly recordings = new RecordingCache<RecordedForward>(KEPT_RECORDINGS);

  /**
   * Folds every batchnorm into its conv and uploads the result at `precision` ('f16' needs the
   * device's shader-f16); the weights were validated when read (backbone.ts).
   */
  static load(gpu: Gpu, { spec, tensors, classifier }: BackboneWeights, precision: Precision = 'f32'): ResNet {
    const problem = devicePrecisionProblem(gpu, precision);
    if (problem) throw new InputError(problem);
    const p = makePlan(spec);
    const get = (name: string) => toFloat32(tensors.get(name)!);
    const convs = new Map<string, GpuConv>();
    for (const [name, f] of foldedConvs(p, tensors))
      convs.set(name, uploadConv(gpu, f.spec, f.weight, f.bias, precision));
    let fc = null;
    if (classifier) {
      // [classes, features] -> [features, classes] once, so the GEMM reads B row-major in vec4s.
      const w = get('fc.weight');
      const F = p.featureSize;
      const t = new Float32Array(w.length);
      for (let k = 0; k < IMAGENET_CLASS_COUNT; k++)
        for (let f = 0; f < F; f++) t[f * IMAGENET_CLASS_COUNT + k] = w[k * F + f];
      fc = {
        weight: gpu.upload(t, [F, IMAGENET_CLASS_COUNT], 'fc.weight'),
        bias: gpu.upload(get('fc.bias'), [IMAGENET_CLASS_COUNT], 'fc.bias'),
      };
    }
    return new ResNet(gpu, p, convs, fc, precision);
  }

  get hasClassifier(): boolean {
    return this.fc !== null;
  }

  /** Bytes of the largest activation of one image at this input size. */
  activationBytesPerImage(height: number = PREPROCESSING.size, width: number = PREPROCESSING.size): number {
    return activationBytesPerImage(this.plan, height, width);
  }

  /** The most images one forward may take without exceeding the adapter's binding and buffer limits. */
  maxBatch(height: number = PREPROCESSING.size, width: number = PREPROCESSING.size): number {
    return maxBatchFor(this.gpu, this.plan, height, width);
  }

  private conv(x: Tensor, name: string, relu: boolean, residual?: Tensor): Promise<Tensor> {
    return runConv(this.gpu, this.convs.get(name)!, x, relu, residual);
  }

  /**
   * The forward pass of an NHWC batch that fits maxBatch(): the recorded forward of its shape
   * (made on first use) replayed on a copy of `input`; the caller releases the results.
   */
  async forward(input: Tensor, options: { logits?: boolean } = {}): Promise<ForwardResult> {
    const r = await this.recorded(input.shape, input.dtype, this.fc !== null && (options.logits ?? true));
    this.gpu.copy(input, r.input);
    const out = this.replay(r);
    await this.gpu.flush();
    return out;
  }

  /**
   * The recorded forward of one input shape and dtype: its input tensor (write the images
   * there, then replay it), its outputs and the recording, all owned by this model. The last
   * few shapes used are kept; older ones are destroyed.
   */
  async recorded(shape: readonly number[], dtype: Tensor['dtype'], logits: boolean): Promise<RecordedForward> {
    return this.recordings.get(`${shape.join('x')}|${dtype}|${logits}`, async () => {
      const { recording, result } = await this.gpu.record(async () => {
        const input = this.gpu.tensor(shape, dtype, 'images');
        const out = await this.dispatchForward(input, logits);
        return { input, ...out };
      });
      return { ...result, recording };
    });
  }

  /** Queues one replay of a recorded forward and copies of its outputs, which the caller releases. */
  replay(r: RecordedForward): ForwardResult {
    this.gpu.replay(r.recording);
    const copy = (t: Tensor) => {
      const out = this.gpu.tensor(t.shape, t.dtype);
      this.gpu.copy(t, out);
      return out;
    };
    return { features: copy(r.features), logits: r.logits && copy(r.logits) };
  }

  /**
   * Dispatches the forward pass of `input`. Intermediates go back to the pool as soon as their
   * last reader is dispatched: a reused buffer is only ever written by dispatches that run
   * after its readers.
   */
  private async dispatchForward(input: Tensor, logits: boolean): Promise<ForwardResult> {
    // An f32 input enters an f16 network through one cast.
    const stored = this.precision === 'f16' && input.dtype === 'f32' ? await toF16(this.gpu, input) : input;
    let x = await this.conv(stored, this.plan.stem.conv, true);
    if (stored !== input) stored.release();
    const pooled = await maxPool2d(this.gpu, x, this.plan.stemPool);
    x.release();
    x = pooled;
    for (const block of this.plan.blocks) {
      const shortcut = block.downsample ? await this.conv(x, block.downsample.conv, false) : x;
      let y = x;
      for (let i = 0; i < block.convs.length; i++) {
        const last = i === block.convs.length - 1;
        const next = await this.conv(y, block.convs[i].conv, true, last ? shortcut : undefined);
        if (y !== x) y.release();
        y = next;
      }
      if (shortcut !== x) shortcut.release();
      x.release();
      x = y;
    }
    const features = await globalAvgPool(this.gpu, x);
    x.release();
    const out = this.fc && logits ? await gemm(this.gpu, features, this.fc.weight, { bias: this.fc.bias }) : undefined;
    return { features, logits: out };
  }

  /** Forward of N NHWC images held on the CPU, split into batches the adapter can hold. */
  async embed(
    images: Float32Array,
    n: number,
    options: { logits?: boolean; height?: number; width?: number; maxBatch?: number } = {},
  ): Promise<EmbedResult> {
    const H = options.height ?? PREPROCESSING.size,
      W = options.width ?? PREPROCESSING.size;
    const perImage = H * W * 3;
    if (images.length !== n * perImage)
      throw new Error(`embed: ${images.length} values are not ${n} images of ${H}x${W}x3`);
    const wantLogits = options.logits ?? false;
    if (wantLogits && !this.fc)
      throw new Error('embed: logits requested but the weights have no ImageNet classifier (fc)');
    const chunk = Math.min(options.maxBatch ?? Infinity, this.maxBatch(H, W));
    const F = this.plan.featureSize;
    const features = new Float32Array(n * F);
    const logits = wantLogits ? new Float32Array(n * IMAGENET_CLASS_COUNT) : undefined;
    // Chunk k + 1 is uploaded and queued before chunk k's results are awaited.
    let pending: Promise<void> | null = null;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const r = await this.recorded([count, H, W, 3], 'f32', wantLogits);
      r.input.write(images.subarray(start * perImage, (start + count) * perImage));
      const out = this.replay(r);
      const done = this.collect(out, features, logits, start);
      done.catch(() => {}); // marked handled: its error surfaces at the await below
      await pending;
      pending = done;
    }
    await pending;
    return { features, logits };
  }

  /** Reads a forward's outputs into rows `start`.. of `features` and `logits`, then releases them. */
  private async collect(
    out: ForwardResult,
    features: Float32Array,
    logits: Float32Array | undefined,
    start: number,
  ): Promise<void> {
    const [rows, scores] = await Promise.all([out.features.read(), out.logits?.read()]);
    out.features.release();
    out.logits?.release();
    checkFeatures(rows, this.precision);
    features.set(rows, start * this.plan.featureSize);
    if (logits && scores) logits.set(scores, start * IMAGENET_CLASS_COUNT);
  }

  destroy(): void {
    this.recordings.destroy();
    for (const c of this.convs.values()) releaseConv(c);
    this.fc?.weight.release();
    this.fc?.bias.release();
  }
}
