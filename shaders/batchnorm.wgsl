// Inference-mode batch normalization over the channel (last, NHWC) axis:
// y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c].
// Tiling: one invocation per element, 64 per workgroup; the flat index spans x and y of the
// grid. (At load time the model folds batchnorm into the preceding conv instead; see
// src/kernels/batchnorm.ts.)

@group(0) @binding(0) var<uniform> p: BatchNormParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> Y: array<f32>;

@compute @workgroup_size(64)
fn batchnorm(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i >= p.total) { return; }
  let c = i % p.C;
  Y[i] = (X[i] - mean[c]) / sqrt(variance[c] + p.eps) * gamma[c] + beta[c];
}
