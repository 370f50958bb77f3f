// Adam, in place on parameters and both moments, in torch.optim.Adam's order of operations:
//   g = grad + weight_decay * param
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   param -= step_size * m / (sqrt(v) / bias_correction2_sqrt + eps)
// with step_size = lr / (1 - beta1^t) and bias_correction2_sqrt = sqrt(1 - beta2^t) computed
// in float64 on the host and read from a buffer of their own (AdamStep: the same dispatch,
// recorded once, serves every step). One invocation per element, 64 per workgroup.

@group(0) @binding(0) var<uniform> p: AdamParams;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> t: AdamStep;

@compute @workgroup_size(64)
fn adam(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * p.row_pitch;
  if (i >= p.total) { return; }
  let g = grad[i] + p.weight_decay * param[i];
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - t.step_size * (mi / (sqrt(vi) / t.bias_correction2_sqrt + p.eps));
}
