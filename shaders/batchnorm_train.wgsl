// Training-mode batch normalization over the channel (last, NHWC) axis of a batch that may be
// held in several chunks (the adapter's binding limit splits large batches): statistics span
// every chunk, as PyTorch's BatchNorm2d in train() and Keras's in the learning phase see one
// batch.
//
// Per chunk, partial_sums sums rows_per_block rows of one channel per invocation (neighbouring
// invocations read neighbouring channels, so loads stay contiguous) into partials[block, c];
// accumulate adds the blocks' partials to the batch's running total in stats. Two passes keep
// the variance accurate: the sum gives the mean, then the sum of squared deviations from it.
// finalize turns mean and biased variance into the per-channel affine map and updates the
// running statistics (unbiased variance, momentum); normalize applies it in place, with the
// shortcut and ReLU of the block fused (normalize4: four channels per invocation, where C is a
// multiple of 4, as in every ResNet layer; partial_sums4 likewise).
//
// stats is [4, C]: mean, biased variance, scale = gamma / sqrt(var + eps), shift = beta - mean * scale
// (PyTorch's CPU form); running is [2, C]: running mean, running variance.

override CENTERED: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: BatchStatsParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
@group(0) @binding(3) var<storage, read> stats_in: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;
@group(0) @binding(6) var<storage, read> beta: array<f32>;
@group(0) @binding(7) var<storage, read_write> running: array<f32>;
@group(0) @binding(8) var<storage, read_write> Y: array<f32>;
@group(0) @binding(9) var<storage, read> residual: array<f32>;
@group(0) @binding(10) var<storage, read> stats4: array<vec4f>;
@group(0) @binding(11) var<storage, read_write> Y4: array<vec4f>;
@group(0) @binding(12) var<storage, read> residual4: array<vec4f>;
@group(0) @binding(13) var<storage, read> X4: array<vec4f>;
@group(0) @binding(14) var<storage, read_write> partials4: array<vec4f>;

@compute @workgroup_size(64)
fn partial_sums(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let block = g.y;
  if (c >= p.C || block >= p.blocks) { return; }
  let first = block * p.rows_per_block;
  let last = min(first + p.rows_per_block, p.rows);
  var sum = 0.0;
  if (CENTERED) {
    let mean = stats_in[c];
    for (var r = first; r < last; r++) {
      let d = X[r * p.C + c] - mean;
      sum += d * d;
    }
  } else {
    for (var r = first; r < last; r++) { sum += X[r * p.C + c]; }
  }
  partials[block * p.C + c] = sum;
}

// Four channels per invocation where C is a multiple of 4 (partials4 is partials as vec4s).
@compute @workgroup_size(64)
fn partial_sums4(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let block = g.y;
  let C4 = p.C / 4u;
  if (c >= C4 || block >= p.blocks) { return; }
  let first = block * p.rows_per_block;
  let last = min(first + p.rows_per_block, p.rows);
  var sum = vec4f(0.0);
  if (CENTERED) {
    let mean = stats4[c];
    for (var r = first; r < last; r++) {
      let d = X4[r * C4 + c] - mean;
      sum += d * d;
    }
  } else {
    for (var r = first; r < last; r++) { sum += X4[r * C4 + c]; }
  }
  partials4[block * C4 + c] = sum;
}

@compute @workgroup_size(64)
fn accumulate(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  if (c >= p.C) { return; }
  var sum = 0.0;
  for (var b = 0u; b < p.blocks; b++) { sum += partials[b * p.C + c]; }
  let i = select(0u, p.C, CENTERED) + c;
  var total = select(stats[i], 0.0, p.first_chunk != 0u) + sum;
  if (p.last_chunk != 0u) { total = total / p.count; }
  stats[i] = total;
}

@compute @workgroup_size(64)
fn finalize(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  if (c >= p.C) { return; }
  let mean = stats[c];
  let variance = stats[p.C + c];
  let scale = (1.0 / sqrt(variance + p.eps)) * gamma[c];
  stats[2u * p.C + c] = scale;
  stats[3u * p.C + c] = beta[c] - mean * scale;
  if (p.update_running != 0u) {
    let m = p.momentum;
    running[c] = (1.0 - m) * running[c] + m * mean;
    running[p.C + c] = (1.0 - m) * running[p.C + c] + m * variance * p.count / (p.count - 1.0);
  }
}

@compute @workgroup_size(64)
fn normalize(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i >= p.rows * p.C) { return; }
  let c = i % p.C;
  var v = Y[i] * stats_in[2u * p.C + c] + stats_in[3u * p.C + c];
  if (HAS_RESIDUAL) { v += residual[i]; }
  if (RELU) { v = max(v, 0.0); }
  Y[i] = v;
}

@compute @workgroup_size(64)
fn normalize4(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  let C4 = p.C / 4u;
  if (i >= p.rows * C4) { return; }
  let c = i % C4;
  var v = Y4[i] * stats4[2u * C4 + c] + stats4[3u * C4 + c];
  if (HAS_RESIDUAL) { v += residual4[i]; }
  if (RELU) { v = max(v, vec4f(0.0)); }
  Y4[i] = v;
}
