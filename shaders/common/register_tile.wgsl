// Register-tiled kernels: WG invocations per workgroup, each owning 8 output columns (2 vec4)
// of the output (a pipeline constant: narrow outputs get narrow workgroups), row blocks
// numbered by workgroup_id.y, extended by z beyond the 65535 workgroups-per-dimension limit,
// and each invocation's accumulators: rows x 2 vec4, stored through the epilogue
// (common/epilogue.wgsl, included before this file).

override WG: u32 = 16;

// First row of this workgroup's block of `rows` rows.
fn row_base(wg: vec3u, nwg: vec3u, rows: u32) -> u32 {
  return (wg.y + wg.z * nwg.y) * rows;
}

// One output row's two vec4 columns col and col + 1, those inside its n4 vec4s; row4 is the
// row's first vec4 in Y4.
fn store_pair4(row4: u32, col: u32, n4: u32, v: array<vec4f, 2>) {
  for (var j = 0u; j < 2u; j++) {
    if (col + j < n4) { store4(row4 + col + j, col + j, v[j]); }
  }
}

// One output row's eight columns col0..col0 + 7, those inside its n columns; row is the row's
// first element in Y.
fn store_eight(row: u32, col0: u32, n: u32, v: array<vec4f, 2>) {
  for (var j = 0u; j < 8u; j++) {
    if (col0 + j < n) { store(row + col0 + j, col0 + j, v[j / 4u][j % 4u]); }
  }
}
