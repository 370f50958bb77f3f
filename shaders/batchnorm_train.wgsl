// Training-mode batch normalization over the channel (last, NHWC) axis of a batch that may be
// held in several chunks (the adapter's binding limit splits large batches): statistics span
// every chunk, as PyTorch's BatchNorm2d in train() and Keras's in the learning phase see one
// batch.
//
// One pass over the activations: block_moments reads rows_per_block rows of one channel per
// invocation (neighbouring invocations read neighbouring channels, so loads stay contiguous)
// twice while they are in cache, for the block's mean and its sum of squared deviations from
// that mean (M2), and writes them with the block's row count to moments[block_base + block].
// combine merges every block of every chunk by Chan's parallel formula (mean = sum n_b mean_b / n,
// M2 = sum M2_b + n_b (mean_b - mean)^2), a workgroup of 16 lanes per channel adding up the
// blocks in parallel, then finds each channel's scale and updates the running statistics
// (unbiased variance, momentum). normalize computes (x - mean) * scale + beta in place (centred
// first: x * scale + (beta - mean * scale) loses the digits that x * scale and mean * scale
// share), with the shortcut and ReLU of the block fused (the *4 entry points: four channels
// per invocation, where C is a multiple of 4, as in every ResNet layer).
//
// moments is [blocks, 2, C]: block means, then block M2s; counts is [blocks]. stats is [4, C]:
// mean, biased variance, scale = gamma / sqrt(var + eps), beta; running is [2, C]: running
// mean, running variance.

override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: BatchStatsParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> moments: array<f32>;
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
@group(0) @binding(14) var<storage, read_write> moments4: array<vec4f>;
@group(0) @binding(15) var<storage, read_write> counts: array<f32>;

// This block's rows [first, last) of the chunk, and its index among every chunk's blocks.
struct Block { first: u32, last: u32, index: u32 }

fn block_of(b: u32) -> Block {
  let first = b * p.rows_per_block;
  return Block(first, min(first + p.rows_per_block, p.rows), p.block_base + b);
}

@compute @workgroup_size(64)
fn block_moments(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  if (c >= p.C || g.y >= p.blocks) { return; }
  let b = block_of(g.y);
  let n = f32(b.last - b.first);
  var sum = 0.0;
  for (var r = b.first; r < b.last; r++) { sum += X[r * p.C + c]; }
  let mean = sum / n;
  var m2 = 0.0;
  for (var r = b.first; r < b.last; r++) {
    let d = X[r * p.C + c] - mean;
    m2 += d * d;
  }
  moments[(2u * b.index) * p.C + c] = mean;
  moments[(2u * b.index + 1u) * p.C + c] = m2;
  if (c == 0u) { counts[b.index] = n; }
}

// Four channels per invocation where C is a multiple of 4 (moments4 is moments as vec4s).
@compute @workgroup_size(64)
fn block_moments4(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let C4 = p.C / 4u;
  if (c >= C4 || g.y >= p.blocks) { return; }
  let b = block_of(g.y);
  let n = f32(b.last - b.first);
  var sum = vec4f(0.0);
  for (var r = b.first; r < b.last; r++) { sum += X4[r * C4 + c]; }
  let mean = sum / n;
  var m2 = vec4f(0.0);
  for (var r = b.first; r < b.last; r++) {
    let d = X4[r * C4 + c] - mean;
    m2 += d * d;
  }
  moments4[(2u * b.index) * C4 + c] = mean;
  moments4[(2u * b.index + 1u) * C4 + c] = m2;
  if (c == 0u) { counts[b.index] = n; }
}

const LANES = 16u;
var<workgroup> lane_sums: array<array<f32, 16>, 16>; // [lane][channel of the workgroup]

// The 16 lanes' sums of channel lid.x, in every lane (between barriers).
fn lanes_total(lid: vec3u, mine: f32) -> f32 {
  lane_sums[lid.y][lid.x] = mine;
  workgroupBarrier();
  var total = 0.0;
  for (var l = 0u; l < LANES; l++) { total += lane_sums[l][lid.x]; }
  workgroupBarrier();
  return total;
}

// 16 channels per workgroup (x), 16 lanes (y) each taking every 16th block.
@compute @workgroup_size(16, 16)
fn combine(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wg.x * 16u + lid.x;
  let cc = min(c, p.C - 1u);
  var weighted = 0.0;
  for (var b = lid.y; b < p.blocks; b += LANES) { weighted += counts[b] * moments[(2u * b) * p.C + cc]; }
  let mean = lanes_total(lid, weighted) / p.count;
  var m2 = 0.0;
  for (var b = lid.y; b < p.blocks; b += LANES) {
    let d = moments[(2u * b) * p.C + cc] - mean;
    m2 += moments[(2u * b + 1u) * p.C + cc] + counts[b] * d * d;
  }
  let variance = lanes_total(lid, m2) / p.count;
  if (lid.y != 0u || c >= p.C) { return; }
  let scale = (1.0 / sqrt(variance + p.eps)) * gamma[c];
  stats[c] = mean;
  stats[p.C + c] = variance;
  stats[2u * p.C + c] = scale;
  stats[3u * p.C + c] = beta[c];
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
  var v = (Y[i] - stats_in[c]) * stats_in[2u * p.C + c] + stats_in[3u * p.C + c];
  if (HAS_RESIDUAL) { v += residual[i]; }
  if (RELU) { v = max(v, 0.0); }
  Y[i] = v;
}

// A lane per 4 channels over a block of rows (blocked as block_moments4): the channel's map
// is loaded once, and rows are walked without a division per element.
@compute @workgroup_size(64)
fn normalize4(@builtin(global_invocation_id) g: vec3u) {
  let c = g.x;
  let C4 = p.C / 4u;
  if (c >= C4 || g.y >= p.blocks) { return; }
  let b = block_of(g.y);
  let mean = stats4[c];
  let scale = stats4[2u * C4 + c];
  let beta = stats4[3u * C4 + c];
  for (var r = b.first; r < b.last; r++) {
    let i = r * C4 + c;
    var v = (Y4[i] - mean) * scale + beta;
    if (HAS_RESIDUAL) { v += residual4[i]; }
    if (RELU) { v = max(v, vec4f(0.0)); }
    Y4[i] = v;
  }
}
