// The fused epilogue of the conv and GEMM kernels, and their output binding:
//   Y[o] = act(v + bias[column of o] + R[o]), act = ReLU or identity,
// each part switched by a pipeline constant. Bindings 3 to 5 of every entry point that stores
// through here; scalar and vec4 views of the same buffers. The residual and the output are
// stored as `elem` (the launcher's f32 or f16), the bias as f32; the sum is formed in f32 and
// rounded once, on the store.

override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4f>;
@group(0) @binding(4) var<storage, read> R: array<elem>;
@group(0) @binding(4) var<storage, read> R4: array<elem4>;
@group(0) @binding(5) var<storage, read_write> Y: array<elem>;
@group(0) @binding(5) var<storage, read_write> Y4: array<elem4>;

// Y[o] = epilogue(v), o a flat index into Y, col its column (the bias index).
fn store(o: u32, col: u32, v: f32) {
  var r = v;
  if (HAS_BIAS) { r += bias[col]; }
  if (HAS_RESIDUAL) { r += f32(R[o]); }
  if (RELU) { r = max(r, 0.0); }
  Y[o] = elem(r);
}

// The same in vec4s: o indexes Y4, col4 the vec4 column.
fn store4(o: u32, col4: u32, v: vec4f) {
  var r = v;
  if (HAS_BIAS) { r += bias4[col4]; }
  if (HAS_RESIDUAL) { r += vec4f(R4[o]); }
  if (RELU) { r = max(r, vec4f(0.0)); }
  Y4[o] = elem4(r);
}
