// Backward kernels of the dense head besides GEMM.
// relu_backward: dx = dy where the forward output y > 0, else 0 (PyTorch's choice at 0);
//   one invocation per element.
// bias_grad: db[n] = sum over rows of dy[m, n]; one invocation per column summing its rows in
//   order (neighbouring invocations read neighbouring columns). Head batches are tens of rows.

@group(0) @binding(0) var<uniform> p: HeadBackwardParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(64)
fn relu_backward(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i >= p.total) { return; }
  dx[i] = select(0.0, dy[i], y[i] > 0.0);
}

@compute @workgroup_size(64)
fn bias_grad(@builtin(global_invocation_id) g: vec3u) {
  let n = g.x + g.y * p.row_pitch;
  if (n >= p.cols) { return; }
  var s = 0.0;
  for (var m = 0u; m < p.rows; m++) { s += dy[m * p.cols + n]; }
  db[n] = s;
}
