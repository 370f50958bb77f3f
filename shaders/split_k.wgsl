// The second half of a split-K conv (conv2d_tiled.wgsl with SPLIT_K > 1): adds up the SPLIT_K
// partial sums of each output, in the order of their reduction steps, and stores the sum
// through the fused epilogue (+ bias, + residual, ReLU). partials is [splits, M, N] in f32;
// split_sum4 takes four columns per invocation (N a multiple of 4), split_sum one.

#include "common/epilogue.wgsl"

@group(0) @binding(0) var<uniform> p: SplitKParams;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read> partials4: array<vec4f>;

@compute @workgroup_size(64)
fn split_sum(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  let total = p.M * p.N;
  if (i >= total) { return; }
  var v = 0.0;
  for (var s = 0u; s < p.splits; s++) { v += partials[s * total + i]; }
  store(i, i % p.N, v);
}

@compute @workgroup_size(64)
fn split_sum4(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  let N4 = p.N / 4u;
  let total = p.M * N4;
  if (i >= total) { return; }
  var v = vec4f(0.0);
  for (var s = 0u; s < p.splits; s++) { v += partials4[s * total + i]; }
  store4(i, i % N4, v);
}
