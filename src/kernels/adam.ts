// Adam launcher and optimizer state: torch.optim.Adam (no amsgrad) as PyTorch >= 1.3 computes
// it, or as PyTorch 0.4.1 (the article's) and Keras 2.2.2 do, adding epsilon to sqrt(v) before
// the bias correction instead of after (Keras's epsilon is 1e-7).
import adamSource from '../../shaders/adam.wgsl';
import type { Gpu } from '../gpu/context.js';
import { wgslStruct } from '../gpu/layout.js';
import { withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { elementwiseGrid, expectShape, launch } from './common.js';

export const AdamParams = wgslStruct('AdamParams', {
  total: 'u32',
  row_pitch: 'u32',
  beta1: 'f32',
  beta2: 'f32',
  eps: 'f32',
  weight_decay: 'f32',
});
/** What changes from step to step, in a buffer of its own: dispatches recorded once read it at every step. */
export const AdamStep = wgslStruct('AdamStep', { step_size: 'f32', bias_correction2_sqrt: 'f32' });
export const ADAM_SHADER = withStructs(adamSource, [AdamParams, AdamStep]);

export type AdamFlavor = 'pytorch' | 'pytorch-0.4.1' | 'keras';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /**
   * 'pytorch' (torch/optim/adam.py since 1.3): param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
   * 'pytorch-0.4.1' (torch/optim/adam.py at v0.4.1) and 'keras' (keras/optimizers.py 2.2.2):
   * param -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
   */
  flavor?: AdamFlavor;
}

/** torch.optim.Adam's defaults. */
export const ADAM_DEFAULTS: Required<AdamOptions> = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  flavor: 'pytorch',
};

/** torch.optim.Adam's defaults in PyTorch 0.4.1, the article's. */
export const PYTORCH_041_ADAM_DEFAULTS: Required<AdamOptions> = { ...ADAM_DEFAULTS, flavor: 'pytorch-0.4.1' };

/** keras.optimizers.Adam()'s defaults in Keras 2.2.2 (epsilon None means K.epsilon(), 1e-7). */
export const KERAS_ADAM_DEFAULTS: Required<AdamOptions> = { ...ADAM_DEFAULTS, eps: 1e-7, flavor: 'keras' };

/** Step t's step size and bias correction (t counts from 1), computed in float64. */
export function adamStepValues(step: number, options: AdamOptions = {}): Float32Array {
  const h = { ...ADAM_DEFAULTS, ...options };
  if (!Number.isInteger(step) || step < 1) throw new Error(`adam: step must be an integer >= 1, got ${step}`);
  const packed = AdamStep.pack(
    h.flavor !== 'pytorch'
      ? { step_size: (h.lr * Math.sqrt(1 - h.beta2 ** step)) / (1 - h.beta1 ** step), bias_correction2_sqrt: 1 }
      : { step_size: h.lr / (1 - h.beta1 ** step), bias_correction2_sqrt: Math.sqrt(1 - h.beta2 ** step) },
  );
  return new Float32Array(packed, 0, AdamStep.size / 4);
}

/** Dispatches one Adam update of one parameter tensor, reading the step's values from `stepValues`. */
async function dispatchAdam(
  gpu: Gpu,
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  stepValues: Tensor,
  options: AdamOptions,
): Promise<void> {
  const h = { ...ADAM_DEFAULTS, ...options };
  for (const [name, t] of Object.entries({ grad, m, v })) expectShape('adam', name, t, param.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, param.size);
  const params = AdamParams.pack({
    total: param.size,
    row_pitch: rowPitch,
    beta1: h.beta1,
    beta2: h.beta2,
    eps: h.eps,
    weight_decay: h.weightDecay,
  });
  await launch(gpu, {
    kernel: 'adam',
    code: ADAM_SHADER,
    entryPoint: 'adam',
    params,
    buffers: [grad, param, m, v, stepValues],
    workgroups,
  });
}

/** One Adam step for one parameter tensor; `step` counts from 1. */
export async function adamStep(
  gpu: Gpu,
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  step: number,
  options: AdamOptions = {},
): Promise<void> {
  const stepValues = gpu.upload(adamStepValues(step, options), [AdamStep.size / 4], 'adam.step');
  await dispatchAdam(gpu, param, grad, m, v, stepValues, options);
  gpu.releaseAfterFlush(stepValues);
}

/** Optimizer state for a list of parameters: zero moments and a shared step count. */
export class Adam {
  private moments: { m: Tensor; v: Tensor }[];
  /** The current step's AdamStep values, written by advance(). */
  private readonly stepValues: Tensor;
  step = 0;

  constructor(
    private gpu: Gpu,
    readonly params: Tensor[],
    private options: AdamOptions = {},
  ) {
    this.moments = params.map((p) => ({
      m: gpu.upload(new Float32Array(p.size), p.shape),
      v: gpu.upload(new Float32Array(p.size), p.shape),
    }));
    this.stepValues = gpu.upload(new Float32Array(AdamStep.size / 4), [AdamStep.size / 4], 'adam.step');
  }

  /** The learning rate of the next steps (a schedule changes it between epochs). */
  get lr(): number {
    return this.options.lr ?? ADAM_DEFAULTS.lr;
  }

  set lr(lr: number) {
    this.options = { ...this.options, lr };
  }

  /** Moments and step count, for saving (e.g. to resume training). */
  async state(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const m: Float32Array[] = [],
      v: Float32Array[] = [];
    for (const s of this.moments) {
      m.push(await s.m.read());
      v.push(await s.v.read());
    }
    return { step: this.step, m, v };
  }

  loadState(state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
    if (state.m.length !== this.moments.length || state.v.length !== this.moments.length)
      throw new Error('adam: saved state is for a different parameter list');
    this.moments.forEach((s, i) => {
      s.m.write(state.m[i]);
      s.v.write(state.v[i]);
    });
    this.step = state.step;
  }

  destroy(): void {
    this.stepValues.release();
    for (const s of this.moments) {
      s.m.release();
      s.v.release();
    }
  }

  /** One step: advance(), then dispatchUpdate(). */
  async update(grads: Tensor[]): Promise<void> {
    this.advance();
    await this.dispatchUpdate(grads);
  }

  /**
   * Counts a step and writes its values for the update dispatches (a write from the CPU: the
   * previous step's dispatches must have been flushed).
   */
  advance(): void {
    this.step++;
    this.stepValues.write(adamStepValues(this.step, this.options));
  }

  /** Dispatches the update of every parameter with the values advance() wrote (recordable). */
  async dispatchUpdate(grads: Tensor[]): Promise<void> {
    if (grads.length !== this.params.length)
      throw new Error(`adam: ${grads.length} gradients for ${this.params.length} parameters`);
    for (let i = 0; i < grads.length; i++) {
      const { m, v } = this.moments[i];
      await dispatchAdam(this.gpu, this.params[i], grads[i], m, v, this.stepValues, this.options);
    }
  }
}
