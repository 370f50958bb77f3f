// The fused epilogue of the conv and GEMM kernels, and their output binding:
//   Y[o] = act(v + bias[column of o] + R[o]), act = ReLU or identity,
// each part switched by a pipeline constant. Bindings 3 to 5 of every entry point that stores
// through here; scalar and vec4 views of the same buffers.

override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4f>;
@group(0) @binding(4) var<storage, read> R: array<f32>;
@group(0) @binding(4) var<storage, read> R4: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y4: array<vec4f>;

// Y[o] = epilogue(v), o a flat index into Y, col its column (the bias index).
fn store(o: u32, col: u32, v: f32) {
  var r = v;
  if (HAS_BIAS) { r += bias[col]; }
  if (HAS_RESIDUAL) { r += R[o]; }
  if (RELU) { r = max(r, 0.0); }
  Y[o] = r;
}

// The same in vec4s: o indexes Y4, col4 the vec4 column.
fn store4(o: u32, col4: u32, v: vec4f) {
  var r = v;
  if (HAS_BIAS) { r += bias4[col4]; }
  if (HAS_RESIDUAL) { r += R4[o]; }
  if (RELU) { r = max(r, vec4f(0.0)); }
  Y4[o] = r;
}
