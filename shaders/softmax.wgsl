// Row-wise softmax and softmax cross-entropy (mean over the batch, integer labels).
// Tiling: one invocation per row, 64 rows per workgroup. Rows here are class logits (2 to
// 1000 wide, tens of rows), far too little work to repay a workgroup reduction; each row is
// made stable by subtracting its maximum before exp.
// xent_rows writes each row's loss (logsumexp - logit[label]) and the gradient
// (softmax - onehot) / rows; xent_mean then averages the row losses in a fixed order.
// xent_rows_weighted scales row r's loss and gradient by row_scale[r] instead of 1 / rows (class
// weights, normalized on the host as each framework does) and xent_sum adds the scaled losses.
// A label outside [0, cols) yields a NaN loss and gradient row rather than a wrong number.
// With KERAS_CLIP > 0, xent_rows is Keras 2.2.2's sparse_categorical_crossentropy on a softmax
// output (TensorFlow backend): probabilities clipped to [eps, 1 - eps], their log taken as
// logits of a second softmax cross-entropy, so loss = log(sum c) - log(c[label]) with c the
// clipped probabilities, and the gradient flows back through the clip (zero where it bites)
// and the first softmax.

override KERAS_CLIP: f32 = 0.0;

@group(0) @binding(0) var<uniform> p: SoftmaxParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;

@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read> row_scale: array<f32>;

@group(0) @binding(1) var<storage, read> losses: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean_loss: array<f32>;

fn row_max(base: u32) -> f32 {
  var m = X[base];
  for (var c = 1u; c < p.cols; c++) { m = max(m, X[base + c]); }
  return m;
}

fn row_sum_exp(base: u32, m: f32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < p.cols; c++) { s += exp(X[base + c] - m); }
  return s;
}

@compute @workgroup_size(64)
fn softmax(@builtin(global_invocation_id) g: vec3u) {
  let r = g.x;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let m = row_max(base);
  let inv = 1.0 / row_sum_exp(base, m);
  for (var c = 0u; c < p.cols; c++) { Y[base + c] = exp(X[base + c] - m) * inv; }
}

// Row r's loss (NaN for a bad label); writes its gradient times `scale`.
fn xent_row(r: u32, scale: f32) -> f32 {
  let base = r * p.cols;
  let label = labels[r];
  let m = row_max(base);
  let s = row_sum_exp(base, m);
  let bad = label >= p.cols;
  let nan = bitcast<f32>(p.nan_bits);
  var loss = select(log(s) + m - X[base + min(label, p.cols - 1u)], nan, bad);
  let inv = 1.0 / s;
  if (KERAS_CLIP > 0.0) {
    let lo = KERAS_CLIP;
    let hi = 1.0 - KERAS_CLIP;
    let y = min(label, p.cols - 1u);
    var clipped_sum = 0.0;
    for (var c = 0u; c < p.cols; c++) { clipped_sum += clamp(exp(X[base + c] - m) * inv, lo, hi); }
    let py = exp(X[base + y] - m) * inv;
    let cy = clamp(py, lo, hi);
    loss = select(log(clipped_sum) - log(cy), nan, bad);
    // dL/dp_c = (-[c = y] / c_y + 1 / sum) where the clip passes, 0 where it bites; then softmax's Jacobian.
    var dot = 0.0;
    for (var c = 0u; c < p.cols; c++) {
      let pc = exp(X[base + c] - m) * inv;
      let passes = pc >= lo && pc <= hi;
      let g_c = select(0.0, select(0.0, -1.0 / cy, c == y) + 1.0 / clipped_sum, passes);
      dot += pc * g_c;
    }
    for (var c = 0u; c < p.cols; c++) {
      let pc = exp(X[base + c] - m) * inv;
      let passes = pc >= lo && pc <= hi;
      let g_c = select(0.0, select(0.0, -1.0 / cy, c == y) + 1.0 / clipped_sum, passes);
      grad[base + c] = select(pc * (g_c - dot) * scale, nan, bad);
    }
    return loss;
  }
  for (var c = 0u; c < p.cols; c++) {
    let onehot = select(0.0, 1.0, c == label);
    grad[base + c] = select((exp(X[base + c] - m) * inv - onehot) * scale, nan, bad);
  }
  return loss;
}

@compute @workgroup_size(64)
fn xent_rows(@builtin(global_invocation_id) g: vec3u) {
  let r = g.x;
  if (r >= p.rows) { return; }
  row_loss[r] = xent_row(r, 1.0 / f32(p.rows));
}

@compute @workgroup_size(64)
fn xent_rows_weighted(@builtin(global_invocation_id) g: vec3u) {
  let r = g.x;
  if (r >= p.rows) { return; }
  row_loss[r] = xent_row(r, row_scale[r]) * row_scale[r];
}

fn loss_total() -> f32 {
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += losses[r]; }
  return s;
}

@compute @workgroup_size(1)
fn xent_mean() { mean_loss[0] = loss_total() / f32(p.rows); }

@compute @workgroup_size(1)
fn xent_sum() { mean_loss[0] = loss_total(); }
