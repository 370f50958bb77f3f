// f32 values to the launcher's storage type `elem` (f16 rounds to nearest, ties to even): the
// images entering an f16 network. One invocation per element, 64 per workgroup.

@group(0) @binding(0) var<uniform> p: CastParams;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<elem>;

@compute @workgroup_size(64)
fn to_elem(@builtin(global_invocation_id) g: vec3u) {
  let i = g.x + g.y * p.row_pitch;
  if (i < p.total) { Y[i] = elem(X[i]); }
}
