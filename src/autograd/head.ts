// The transfer-learning head: Linear(features -> hidden) -> ReLU -> Linear(hidden -> classes),
// trained with softmax cross-entropy and Adam on the GPU.
import { type Gpu, type Recording, RecordingCache } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { Adam, type AdamOptions } from '../kernels/adam.js';
import { gemm } from '../kernels/gemm.js';
import { type CrossEntropyFlavor, softmax } from '../kernels/softmax.js';
import { seededRandom } from '../util/random.js';
import { Tape, Variable } from './tape.js';

export interface HeadShape {
  features: number;
  hidden: number;
  classes: number;
}

export const HEAD_PARAMETERS = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'] as const;
export type HeadWeights = Record<(typeof HEAD_PARAMETERS)[number], Float32Array>;

export function headShapes(s: HeadShape): Record<(typeof HEAD_PARAMETERS)[number], number[]> {
  return {
    'fc1.weight': [s.hidden, s.features],
    'fc1.bias': [s.hidden],
    'fc2.weight': [s.classes, s.hidden],
    'fc2.bias': [s.classes],
  };
}

/** torch.nn.Linear's default initialisation: weight and bias uniform in +-1/sqrt(fan_in), from a seed. */
export function initHead(s: HeadShape, seed: number): HeadWeights {
  const random = seededRandom(seed);
  const uniform = (n: number, fanIn: number) =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) / Math.sqrt(fanIn));
  return {
    'fc1.weight': uniform(s.hidden * s.features, s.features),
    'fc1.bias': uniform(s.hidden, s.features),
    'fc2.weight': uniform(s.classes * s.hidden, s.hidden),
    'fc2.bias': uniform(s.classes, s.hidden),
  };
}

/**
 * Keras's Dense defaults: kernel glorot_uniform (uniform in +-sqrt(6 / (fan_in + fan_out))),
 * bias zeros, from a seed. Stored as our [out, in] weights.
 */
export function initHeadGlorot(s: HeadShape, seed: number): HeadWeights {
  const random = seededRandom(seed);
  const glorot = (fanOut: number, fanIn: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanOut * fanIn }, () => (random() * 2 - 1) * limit);
  };
  return {
    'fc1.weight': glorot(s.hidden, s.features),
    'fc1.bias': new Float32Array(s.hidden),
    'fc2.weight': glorot(s.classes, s.hidden),
    'fc2.bias': new Float32Array(s.classes),
  };
}

/** A training step recorded for one batch size: its inputs, outputs and recording. */
interface RecordedStep {
  features: Tensor;
  labels: Tensor;
  rowScale?: Tensor;
  loss: Tensor;
  logits: Tensor;
  recording: Recording;
}

/** Recorded steps a head keeps (a run's full and last batches). */
const KEPT_STEPS = 2;

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class Head {
  private readonly params: Variable[];
  readonly optimizer: Adam;
  /** Recorded training steps by batch size. */
  private readonly steps = new RecordingCache<RecordedStep>(KEPT_STEPS);

  constructor(
    readonly gpu: Gpu,
    readonly shape: HeadShape,
    weights: HeadWeights,
    adam: AdamOptions = {},
    state?: AdamState,
    readonly loss: CrossEntropyFlavor = 'pytorch',
  ) {
    const shapes = headShapes(shape);
    this.params = HEAD_PARAMETERS.map(
      (name) => new Variable(gpu.upload(weights[name], shapes[name], name), true, name),
    );
    this.optimizer = new Adam(
      gpu,
      this.params.map((p) => p.value),
      adam,
    );
    if (state) this.optimizer.loadState(state);
  }

  /**
   * One training step on a batch of features [N, F] with u32 labels [N]; returns the mean loss
   * tensor [1] and the logits (the caller releases both). `rowScale` [N] weights the rows'
   * losses instead of the mean (class weights: see classWeightedRowScale). Runs the step
   * recorded for this batch size (made on first use) on copies of the inputs.
   */
  async trainStep(features: Tensor, labels: Tensor, rowScale?: Tensor): Promise<{ loss: Tensor; logits: Tensor }> {
    const r = await this.recordedStep(features.shape[0], rowScale !== undefined);
    // The optimizer's step values are written from the CPU: every earlier step goes first.
    await this.gpu.flush();
    this.optimizer.advance();
    this.gpu.copy(features, r.features);
    this.gpu.copy(labels, r.labels);
    if (rowScale) this.gpu.copy(rowScale, r.rowScale!);
    this.gpu.replay(r.recording);
    const copy = (t: Tensor) => {
      const out = this.gpu.tensor(t.shape, t.dtype);
      this.gpu.copy(t, out);
      return out;
    };
    const out = { loss: copy(r.loss), logits: copy(r.logits) };
    await this.gpu.flush();
    return out;
  }

  /** The training step recorded for batches of `n` rows, with or without row scales. */
  private async recordedStep(n: number, scaled: boolean): Promise<RecordedStep> {
    return this.steps.get(`${n}|${scaled}`, async () => {
      const { recording, result } = await this.gpu.record(async () => {
        const features = this.gpu.tensor([n, this.shape.features], 'f32', 'features');
        const labels = this.gpu.tensor([n], 'u32', 'labels');
        const rowScale = scaled ? this.gpu.tensor([n], 'f32', 'row-scale') : undefined;
        return { features, labels, rowScale, ...(await this.dispatchStep(features, labels, rowScale)) };
      });
      return { ...result, recording };
    });
  }

  /** Dispatches forward, backward and the optimizer's update with the values advance() wrote. */
  private async dispatchStep(
    features: Tensor,
    labels: Tensor,
    rowScale?: Tensor,
  ): Promise<{ loss: Tensor; logits: Tensor }> {
    const tape = new Tape(this.gpu);
    for (const p of this.params) p.grad = null;
    const [w1, b1, w2, b2] = this.params;
    const x = new Variable(features, false, 'features');
    const h = await tape.linear(x, w1, b1, { relu: true });
    const logits = await tape.linear(h, w2, b2);
    const loss = await tape.softmaxCrossEntropy(logits, labels, this.loss, rowScale);
    await tape.backward();
    await this.optimizer.dispatchUpdate(this.params.map((p) => p.grad!));
    for (const p of this.params) p.grad = null;
    tape.keep(loss);
    tape.keep(logits.value);
    tape.release();
    return { loss, logits: logits.value };
  }

  /** Logits [N, classes] of features [N, F] (caller releases). */
  async logits(features: Tensor): Promise<Tensor> {
    const [w1, b1, w2, b2] = this.params.map((p) => p.value);
    const h = await gemm(this.gpu, features, w1, { transB: true, bias: b1, relu: true });
    const logits = await gemm(this.gpu, h, w2, { transB: true, bias: b2 });
    this.gpu.releaseAfterFlush(h);
    return logits;
  }

  async probabilities(features: Tensor): Promise<Float32Array> {
    const logits = await this.logits(features);
    const probs = await softmax(this.gpu, logits);
    this.gpu.releaseAfterFlush(logits);
    const out = await probs.read();
    probs.release();
    return out;
  }

  /** Replaces the weights and the optimizer's state (a snapshot taken by weights() and optimizer.state()). */
  load(weights: HeadWeights, state: AdamState): void {
    HEAD_PARAMETERS.forEach((name, i) => this.params[i].value.write(weights[name]));
    this.optimizer.loadState(state);
  }

  async weights(): Promise<HeadWeights> {
    const out = {} as HeadWeights;
    for (const p of this.params) out[p.name as keyof HeadWeights] = await p.value.read();
    return out;
  }

  destroy(): void {
    this.steps.destroy();
    for (const p of this.params) p.value.release();
    this.optimizer.destroy();
  }
}
