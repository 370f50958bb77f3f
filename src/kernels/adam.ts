// Adam launcher and optimizer state: torch.optim.Adam (no amsgrad), or Keras 2.2.2's Adam,
// which adds its epsilon (1e-7) to sqrt(v) before the bias correction instead of after.
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
  step_size: 'f32',
  bias_correction2_sqrt: 'f32',
});
export const ADAM_SHADER = withStructs(adamSource, [AdamParams]);

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /**
   * 'pytorch': param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
   * 'keras' (keras/optimizers.py 2.2.2): param -= lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
   */
  flavor?: 'pytorch' | 'keras';
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

/** keras.optimizers.Adam()'s defaults in Keras 2.2.2 (epsilon None means K.epsilon(), 1e-7). */
export const KERAS_ADAM_DEFAULTS: Required<AdamOptions> = { ...ADAM_DEFAULTS, eps: 1e-7, flavor: 'keras' };

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
  const h = { ...ADAM_DEFAULTS, ...options };
  if (!Number.isInteger(step) || step < 1) throw new Error(`adam: step must be an integer >= 1, got ${step}`);
  for (const [name, t] of Object.entries({ grad, m, v })) expectShape('adam', name, t, param.shape);
  const { workgroups, rowPitch } = elementwiseGrid(gpu, param.size);
  const params = AdamParams.pack({
    total: param.size,
    row_pitch: rowPitch,
    beta1: h.beta1,
    beta2: h.beta2,
    eps: h.eps,
    weight_decay: h.weightDecay,
    ...(h.flavor === 'keras'
      ? { step_size: (h.lr * Math.sqrt(1 - h.beta2 ** step)) / (1 - h.beta1 ** step), bias_correction2_sqrt: 1 }
      : { step_size: h.lr / (1 - h.beta1 ** step), bias_correction2_sqrt: Math.sqrt(1 - h.beta2 ** step) }),
  });
  await launch(gpu, {
    kernel: 'adam',
    code: ADAM_SHADER,
    entryPoint: 'adam',
    params,
    buffers: [grad, param, m, v],
    workgroups,
  });
}

/** Optimizer state for a list of parameters: zero moments and a shared step count. */
export class Adam {
  private moments: { m: Tensor; v: Tensor }[];
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
    for (const s of this.moments) {
      s.m.release();
      s.v.release();
    }
  }

  async update(grads: Tensor[]): Promise<void> {
    if (grads.length !== this.params.length)
      throw new Error(`adam: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step++;
    for (let i = 0; i < grads.length; i++) {
      await adamStep(this.gpu, this.params[i], grads[i], this.moments[i].m, this.moments[i].v, this.step, this.options);
    }
  }
}
