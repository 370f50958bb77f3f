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

// Storing a tile: its rows are stored by a loop over output rows up to the problem's last, so
// that the shader compiler cannot bound its trip count and keeps it a loop. Unrolled (as a
// loop of at most 8 or 16 rows would be), the epilogue's loads and stores, which llvmpipe
// expands per lane, made each pipeline's first dispatch compile for seconds; as a loop they
// compile in a tenth of that and cost nothing per tile. The tile is copied to a local array
// the loop indexes, so the accumulators it came from stay in registers.

// Rows row0.. (up to row0 + 15 and below rows) of a 16-row tile of vec4 pairs at columns col and
// col + 1 of n4; row m's first vec4 is Y4[base + m * pitch].
fn store_tile16(tile: array<array<vec4f, 2>, 16>, row0: u32, rows: u32, base: u32, pitch: u32, col: u32, n4: u32) {
  var t = tile;
  for (var m = row0; m < rows; m++) {
    let i = m - row0;
    if (i >= 16u) { break; }
    store_pair4(base + m * pitch, col, n4, t[i]);
  }
}

// The same for an 8-row tile.
fn store_tile8(tile: array<array<vec4f, 2>, 8>, row0: u32, rows: u32, base: u32, pitch: u32, col: u32, n4: u32) {
  var t = tile;
  for (var m = row0; m < rows; m++) {
    let i = m - row0;
    if (i >= 8u) { break; }
    store_pair4(base + m * pitch, col, n4, t[i]);
  }
}

// An 8-row tile of eight scalar columns col0..col0 + 7 of n; row m starts at Y[m * n].
fn store_tile8_scalar(tile: array<array<vec4f, 2>, 8>, row0: u32, rows: u32, col0: u32, n: u32) {
  var t = tile;
  for (var m = row0; m < rows; m++) {
    let i = m - row0;
    if (i >= 8u) { break; }
    store_eight(m * n, col0, n, t[i]);
  }
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
