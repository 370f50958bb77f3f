// Float64 CPU references for every kernel: the oracles the GPU kernels are checked against.
// Layouts match the kernels: row-major matrices, NHWC images, HWIO conv weights.

import { outputSize } from '../util/shapes.js';

export type Arr = ArrayLike<number>;

export function gemmRef(
  a: Arr,
  b: Arr,
  M: number,
  N: number,
  K: number,
  o: { transA?: boolean; transB?: boolean; bias?: Arr; relu?: boolean } = {},
): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) {
      const av = o.transA ? a[k * M + m] : a[m * K + k];
      if (av === 0) continue;
      const row = m * N;
      if (o.transB) for (let n = 0; n < N; n++) c[row + n] += av * b[n * K + k];
      else {
        const bk = k * N;
        for (let n = 0; n < N; n++) c[row + n] += av * b[bk + n];
      }
    }
    for (let n = 0; n < N; n++) {
      let v = c[m * N + n] + (o.bias ? o.bias[n] : 0);
      if (o.relu) v = Math.max(v, 0);
      c[m * N + n] = v;
    }
  }
  return c;
}

export interface ConvShape {
  N: number;
  H: number;
  W: number;
  C: number; // input NHWC
  K: number; // output channels
  kh: number;
  kw: number;
  stride: number;
  pad: number;
}

export function convOutSize(s: ConvShape): { OH: number; OW: number } {
  return { OH: outputSize(s.H, s.kh, s.stride, s.pad), OW: outputSize(s.W, s.kw, s.stride, s.pad) };
}

/** x: NHWC, w: HWIO [kh, kw, C, K], output NHWC [N, OH, OW, K]. */
export function conv2dRef(
  x: Arr,
  w: Arr,
  s: ConvShape,
  o: { bias?: Arr; residual?: Arr; relu?: boolean } = {},
): Float64Array {
  const { OH, OW } = convOutSize(s);
  const y = new Float64Array(s.N * OH * OW * s.K);
  const acc = new Float64Array(s.K);
  for (let n = 0; n < s.N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        acc.fill(0);
        for (let i = 0; i < s.kh; i++) {
          const ih = oh * s.stride - s.pad + i;
          if (ih < 0 || ih >= s.H) continue;
          for (let j = 0; j < s.kw; j++) {
            const iw = ow * s.stride - s.pad + j;
            if (iw < 0 || iw >= s.W) continue;
            const xo = ((n * s.H + ih) * s.W + iw) * s.C;
            const wo = (i * s.kw + j) * s.C * s.K;
            for (let c = 0; c < s.C; c++) {
              const xv = x[xo + c];
              if (xv === 0) continue;
              const wr = wo + c * s.K;
              for (let k = 0; k < s.K; k++) acc[k] += xv * w[wr + k];
            }
          }
        }
        const yo = ((n * OH + oh) * OW + ow) * s.K;
        for (let k = 0; k < s.K; k++) {
          let v = acc[k] + (o.bias ? o.bias[k] : 0) + (o.residual ? o.residual[yo + k] : 0);
          if (o.relu) v = Math.max(v, 0);
          y[yo + k] = v;
        }
      }
  return y;
}

export interface BatchNormParams {
  gamma: Arr;
  beta: Arr;
  mean: Arr;
  variance: Arr;
  eps: number;
}

/** Inference-mode batchnorm over the last (channel) axis. */
export function batchNormRef(x: Arr, C: number, bn: BatchNormParams): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    y[i] = ((x[i] - bn.mean[c]) / Math.sqrt(bn.variance[c] + bn.eps)) * bn.gamma[c] + bn.beta[c];
  }
  return y;
}

/**
 * Training-mode batchnorm over the last (channel) axis, in float64: normalizes with the
 * batch's mean and biased variance and returns the running statistics after PyTorch's
 * update (momentum, unbiased variance).
 */
export function batchNormTrainRef(
  x: Arr,
  C: number,
  bn: { gamma: Arr; beta: Arr; runningMean: Arr; runningVar: Arr; eps: number; momentum: number },
  o: { residual?: Arr; relu?: boolean } = {},
): {
  y: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
  runningMean: Float64Array;
  runningVar: Float64Array;
} {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  for (let i = 0; i < x.length; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2;
  for (let c = 0; c < C; c++) variance[c] /= rows;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    let v = ((x[i] - mean[c]) / Math.sqrt(variance[c] + bn.eps)) * bn.gamma[c] + bn.beta[c];
    if (o.residual) v += o.residual[i];
    y[i] = o.relu ? Math.max(v, 0) : v;
  }
  const m = bn.momentum;
  const runningMean = Float64Array.from({ length: C }, (_, c) => (1 - m) * bn.runningMean[c] + m * mean[c]);
  const runningVar = Float64Array.from(
    { length: C },
    (_, c) => (1 - m) * bn.runningVar[c] + (m * variance[c] * rows) / (rows - 1),
  );
  return { y, mean, variance, runningMean, runningVar };
}

export function maxPoolRef(
  x: Arr,
  N: number,
  H: number,
  W: number,
  C: number,
  k: number,
  stride: number,
  pad: number,
): { y: Float64Array; OH: number; OW: number } {
  const OH = outputSize(H, k, stride, pad);
  const OW = outputSize(W, k, stride, pad);
  const y = new Float64Array(N * OH * OW * C).fill(-Infinity);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const ih = oh * stride - pad + i,
              iw = ow * stride - pad + j;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const o = ((n * OH + oh) * OW + ow) * C + c;
              y[o] = Math.max(y[o], x[((n * H + ih) * W + iw) * C + c]);
            }
          }
      }
  return { y, OH, OW };
}

export function globalAvgPoolRef(x: Arr, N: number, HW: number, C: number): Float64Array {
  const y = new Float64Array(N * C);
  for (let n = 0; n < N; n++)
    for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) y[n * C + c] += x[(n * HW + p) * C + c];
  return y.map((v) => v / HW);
}

export function softmaxRef(x: Arr, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp(x[r * cols + c] - max) / sum;
  }
  return y;
}

/** Mean softmax cross-entropy over the batch and its gradient w.r.t. the logits. */
export function softmaxCrossEntropyRef(
  logits: Arr,
  labels: Arr,
  rows: number,
  cols: number,
): { loss: number; grad: Float64Array } {
  const p = softmaxRef(logits, rows, cols);
  let loss = 0;
  const grad = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[r * cols + c] - max);
    loss += Math.log(sum) + max - logits[r * cols + labels[r]];
    for (let c = 0; c < cols; c++) grad[r * cols + c] = (p[r * cols + c] - (c === labels[r] ? 1 : 0)) / rows;
  }
  return { loss: loss / rows, grad };
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 'pytorch' (torch >= 1.3, the default), 'pytorch-0.4.1' or 'keras' (eps before the bias correction). */
  flavor?: 'pytorch' | 'pytorch-0.4.1' | 'keras';
}

/**
 * One Adam step (non-amsgrad), in place, step counted from 1: torch.optim.Adam's current
 * formula, or PyTorch 0.4.1's and Keras 2.2.2's (param -= lr sqrt(bc2) / bc1 * m / (sqrt(v) + eps)).
 */
export function adamStepRef(
  param: Float64Array,
  grad: Arr,
  m: Float64Array,
  v: Float64Array,
  step: number,
  h: AdamHyper,
): void {
  const bc1 = 1 - h.beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + h.weightDecay * param[i];
    m[i] = m[i] * h.beta1 + (1 - h.beta1) * g;
    v[i] = v[i] * h.beta2 + (1 - h.beta2) * g * g;
    if (h.flavor === 'pytorch-0.4.1' || h.flavor === 'keras')
      param[i] -= ((h.lr * bc2Sqrt) / bc1) * (m[i] / (Math.sqrt(v[i]) + h.eps));
    else param[i] -= (h.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + h.eps));
  }
}

export function reluBackwardRef(dy: Arr, y: Arr): Float64Array {
  return Float64Array.from(dy, (g, i) => (y[i] > 0 ? g : 0));
}

export function biasGradRef(dy: Arr, rows: number, cols: number): Float64Array {
  const db = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) db[c] += dy[r * cols + c];
  return db;
}

/** ‖a − b‖ / ‖b‖ (0 when both are 0). */
export function relativeError(got: Arr, want: Arr): number {
  if (got.length !== want.length) throw new Error(`relativeError: length ${got.length} vs ${want.length}`);
  let num = 0,
    den = 0;
  for (let i = 0; i < want.length; i++) {
    const d = got[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  if (den === 0) return Math.sqrt(num);
  return Math.sqrt(num / den);
}
