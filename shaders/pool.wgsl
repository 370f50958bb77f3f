// Pooling over NHWC activations.
// max_pool: one invocation per output element (n, oh, ow, c), 64 per workgroup; the window's
//   padding never wins (PyTorch's MaxPool2d semantics): the maximum starts from the first
//   in-bounds element, which exists because the launcher keeps pad <= kernel / 2.
// global_avg_pool: one invocation per (n, c), summing the H*W plane in order; neighbouring
//   invocations read neighbouring channels, so the loads stay contiguous; the mean is always
//   stored as f32 (the features the head reads).
// Activations are stored as `elem` (the launcher's f32 or f16); sums are formed in f32.

@group(0) @binding(0) var<uniform> p: PoolParams;
@group(0) @binding(1) var<storage, read> X: array<elem>;
@group(0) @binding(2) var<storage, read_write> Y: array<elem>;
@group(0) @binding(2) var<storage, read_write> Yf: array<f32>;

@compute @workgroup_size(64)
fn max_pool(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i >= p.total) { return; }
  let c = i % p.C;
  let pix = i / p.C;
  let ow = pix % p.OW;
  let oh = (pix / p.OW) % p.OH;
  let n = pix / (p.OW * p.OH);
  let ih0 = i32(oh * p.stride) - i32(p.pad);
  let iw0 = i32(ow * p.stride) - i32(p.pad);
  var best = 0.0;
  var found = false;
  for (var kh = 0u; kh < p.KH; kh++) {
    let ih = ih0 + i32(kh);
    if (ih < 0 || ih >= i32(p.H)) { continue; }
    for (var kw = 0u; kw < p.KW; kw++) {
      let iw = iw0 + i32(kw);
      if (iw < 0 || iw >= i32(p.W)) { continue; }
      let v = f32(X[((n * p.H + u32(ih)) * p.W + u32(iw)) * p.C + c]);
      best = select(v, max(best, v), found);
      found = true;
    }
  }
  Y[i] = elem(best);
}

@compute @workgroup_size(64)
fn global_avg_pool(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i >= p.total) { return; } // total = N * C
  let c = i % p.C;
  let n = i / p.C;
  let plane = p.H * p.W;
  var sum = 0.0;
  for (var q = 0u; q < plane; q++) { sum += f32(X[(n * plane + q) * p.C + c]); }
  Yf[i] = sum / f32(plane);
}
