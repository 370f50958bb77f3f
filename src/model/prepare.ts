// Host-side weight preparation on the way to the GPU, in one place: PyTorch's OIHW conv
// weights to our HWIO, and inference batchnorm folded into the conv before it (in float64,
// once at load, so the folded model costs nothing extra per forward).

/** PyTorch's conv weight [Cout, Cin, KH, KW] to our [KH, KW, Cin, Cout]. */
export function oihwToHwio(w: ArrayLike<number>, [O, I, KH, KW]: readonly number[]): Float32Array {
  const out = new Float32Array(O * I * KH * KW);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < KH; h++)
        for (let x = 0; x < KW; x++) {
          out[((h * KW + x) * I + i) * O + o] = w[((o * I + i) * KH + h) * KW + x];
        }
  return out;
}

export interface BatchNormArrays {
  gamma: ArrayLike<number>;
  beta: ArrayLike<number>;
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  eps: number;
}

/**
 * Folds inference batchnorm into the conv before it: with s = gamma / sqrt(var + eps),
 * W'[..., k] = W[..., k] * s[k] and b'[k] = beta[k] + (b[k] - mean[k]) * s[k].
 * `weight` is HWIO (output channel last); `bias` may be absent (ResNet convs have none).
 */
export function foldBatchNorm(
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  bn: BatchNormArrays,
): { weight: Float32Array; bias: Float32Array } {
  const K = bn.gamma.length;
  if (weight.length % K !== 0)
    throw new Error(`foldBatchNorm: weight of ${weight.length} values is not a multiple of ${K} channels`);
  const scale = Array.from({ length: K }, (_, k) => bn.gamma[k] / Math.sqrt(bn.variance[k] + bn.eps));
  const folded = new Float32Array(weight.length);
  for (let i = 0; i < weight.length; i++) folded[i] = weight[i] * scale[i % K];
  const b = Float32Array.from({ length: K }, (_, k) => bn.beta[k] + ((bias ? bias[k] : 0) - bn.mean[k]) * scale[k]);
  return { weight: folded, bias: b };
}
