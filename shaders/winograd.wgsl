// 3x3 stride-1 pad-1 convolution by Winograd F(m x m, 3x3), m = 2 or 4, NHWC, three passes:
//   input:  each (m+2)^2 input patch d (stride m) -> V = B^T d B, E = (m+2)^2 values per channel
//   gemm:   for each of the E positions e, M_e[P, K] = V_e[P, C] . U_e[C, K]
//           (U = G g G^T, the weights transformed once at load)
//   output: each E-value M -> the m x m output tile A^T M A, through the fused epilogue
//           (common/epilogue.wgsl: + bias, + residual, ReLU)
// F(2x2) does 2.25x fewer multiplications than the direct conv, F(4x4) 4x, at the price of
// larger transform constants (f32 error about 1e-6 relative instead of 1e-7). The GEMM pass
// is shared by both: wino_gemm here, register-tiled like gemm_register.wgsl (8 rows from
// workgroup_id, 8x2 vec4 per invocation, 16 lanes) with the position e in workgroup_id.z, or,
// where subgroups allow, gemm_broadcast.wgsl batched over e. Channels go in vec4s:
// C % 4 == 0 and K % 4 == 0. Layouts: V [E][P][C], U [E][C][K], M [E][P][K], with
// P = N * ceil(H/m) * ceil(W/m) tiles; wino_* entry points are F(2x2), wino4_* F(4x4).
// The input X and the output are stored as `elem` (the launcher's f32 or f16); the transformed
// tiles V and M and the weights U stay f32 either way, since F(4x4)'s transforms grow values by
// up to 100x and its accuracy would not survive rounding them to f16.

#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"

@group(0) @binding(0) var<uniform> p: WinogradParams;

// wino_input
@group(0) @binding(1) var<storage, read> X4: array<elem4>;
@group(0) @binding(2) var<storage, read_write> V4: array<vec4f>;

// The (m x m tile, vec4 channel group) of a transform invocation: the image n and the tile's
// top-left output corner; `valid` is false past the last tile.
struct Tile { valid: bool, index: u32, group: u32, n: u32, row: u32, col: u32 }

fn tile_of(g: vec3u, groups: u32, m: u32) -> Tile {
  let idx = g.x + g.y * p.row_pitch;
  let tile = idx / groups;
  let t = tile % (p.TH * p.TW);
  return Tile(idx < p.P * groups, tile, idx % groups, tile / (p.TH * p.TW), (t / p.TW) * m, (t % p.TW) * m);
}

fn load_x(n: u32, ih: i32, iw: i32, c4: u32) -> vec4f {
  if (ih < 0 || iw < 0 || ih >= i32(p.H) || iw >= i32(p.W)) { return vec4f(0.0); }
  return vec4f(X4[((n * p.H + u32(ih)) * p.W + u32(iw)) * (p.C / 4u) + c4]);
}

// The transforms' E values per tile and channel group, stored to V and loaded from M in loops
// that start at the tile's own offset, a trip count the shader compiler cannot derive, so that
// they stay loops: unrolled, llvmpipe's per-lane loads and stores made each entry point's
// first dispatch compile for a second or more. They cost nothing measurable per tile.
fn store_v16(v: array<vec4f, 16>, slab: u32, base: u32) {
  var values = v;
  for (var o = base; o < base + 16u; o++) { V4[(o - base) * slab + base] = values[o - base]; }
}

fn store_v36(v: array<vec4f, 36>, slab: u32, base: u32) {
  var values = v;
  for (var o = base; o < base + 36u; o++) { V4[(o - base) * slab + base] = values[o - base]; }
}

@compute @workgroup_size(64)
fn wino_input(@builtin(global_invocation_id) g: vec3u) {
  let C4 = p.C / 4u;
  let at = tile_of(g, C4, 2u);
  if (!at.valid) { return; }
  let tile = at.index;
  let c4 = at.group;
  let n = at.n;
  let ih0 = i32(at.row) - 1;
  let iw0 = i32(at.col) - 1;
  var d: array<array<vec4f, 4>, 4>;
  for (var i = 0; i < 4; i++) {
    for (var j = 0; j < 4; j++) { d[i][j] = load_x(n, ih0 + i, iw0 + j, c4); }
  }
  // B^T d: rows.
  var r: array<array<vec4f, 4>, 4>;
  for (var j = 0; j < 4; j++) {
    r[0][j] = d[0][j] - d[2][j];
    r[1][j] = d[1][j] + d[2][j];
    r[2][j] = d[2][j] - d[1][j];
    r[3][j] = d[1][j] - d[3][j];
  }
  // (B^T d) B: columns.
  var v: array<vec4f, 16>;
  for (var i = 0u; i < 4u; i++) {
    v[i * 4u + 0u] = r[i][0] - r[i][2];
    v[i * 4u + 1u] = r[i][1] + r[i][2];
    v[i * 4u + 2u] = r[i][2] - r[i][1];
    v[i * 4u + 3u] = r[i][1] - r[i][3];
  }
  store_v16(v, p.P * C4, tile * C4 + c4);
}

// wino_gemm
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read> U4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> M4: array<vec4f>;

@compute @workgroup_size(WG)
fn wino_gemm(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * 8u;
  if (row0 >= p.P) { return; }
  let e = wg.z;
  let k4 = p.K / 4u;
  let col = (wg.x * WG + li) * 2u;
  let c0 = min(col, k4 - 1u);
  let c1 = min(col + 1u, k4 - 1u);
  let v_slab = e * p.P * p.C;
  let u_slab = e * p.C * k4;
  var a_off: array<u32, 8>;
  for (var i = 0u; i < 8u; i++) { a_off[i] = v_slab + min(row0 + i, p.P - 1u) * p.C; }
  var acc: array<array<vec4f, 2>, 8>;
  for (var c = 0u; c < p.C; c++) {
    let b0 = U4[u_slab + c * k4 + c0];
    let b1 = U4[u_slab + c * k4 + c1];
    for (var i = 0u; i < 8u; i++) {
      let a = V[a_off[i] + c];
      acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
      acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
    }
  }
  // Rows stored in a loop the compiler keeps (see store_tile8 in common/register_tile.wgsl).
  let m_slab = e * p.P * k4;
  var t = acc;
  for (var m = row0; m < p.P; m++) {
    let i = m - row0;
    if (i >= 8u) { break; }
    if (col < k4) { M4[m_slab + m * k4 + col] = t[i][0]; }
    if (col + 1u < k4) { M4[m_slab + m * k4 + col + 1u] = t[i][1]; }
  }
}

// wino_output: Mo4 at binding 1, the epilogue's bias, residual and output at 3 to 5.
@group(0) @binding(1) var<storage, read> Mo4: array<vec4f>;

// M's E values of one tile and channel group (see store_v16).
fn load_m16(slab: u32, base: u32) -> array<vec4f, 16> {
  var m: array<vec4f, 16>;
  for (var o = base; o < base + 16u; o++) { m[o - base] = Mo4[(o - base) * slab + base]; }
  return m;
}

fn load_m36(slab: u32, base: u32) -> array<vec4f, 36> {
  var m: array<vec4f, 36>;
  for (var o = base; o < base + 36u; o++) { m[o - base] = Mo4[(o - base) * slab + base]; }
  return m;
}

// Output pixel (n, oh, ow), channels 4*k4..+3, through the epilogue.
fn store_output(n: u32, oh: u32, ow: u32, k4: u32, v: vec4f) {
  store4(((n * p.H + oh) * p.W + ow) * (p.K / 4u) + k4, k4, v);
}

@compute @workgroup_size(64)
fn wino_output(@builtin(global_invocation_id) g: vec3u) {
  let K4 = p.K / 4u;
  let at = tile_of(g, K4, 2u);
  if (!at.valid) { return; }
  let tile = at.index;
  let k4 = at.group;
  let n = at.n;
  let oh0 = at.row;
  let ow0 = at.col;
  let m = load_m16(p.P * K4, tile * K4 + k4);
  // A^T m: rows, then columns.
  var s: array<array<vec4f, 4>, 2>;
  for (var j = 0u; j < 4u; j++) {
    s[0][j] = m[j] + m[4u + j] + m[8u + j];
    s[1][j] = m[4u + j] - m[8u + j] - m[12u + j];
  }
  var y: array<array<vec4f, 2>, 2>;
  for (var r = 0u; r < 2u; r++) {
    y[r][0] = s[r][0] + s[r][1] + s[r][2];
    y[r][1] = s[r][1] - s[r][2] - s[r][3];
  }
  store_tile2(y, n, oh0, ow0, k4);
}

// The output tiles' pixels, stored in loops over output rows and columns that the shader
// compiler cannot bound and so keeps as loops: unrolled, the epilogue's per-lane loads and
// stores make llvmpipe compile for seconds (see common/register_tile.wgsl).
fn store_tile2(tile: array<array<vec4f, 2>, 2>, n: u32, oh0: u32, ow0: u32, k4: u32) {
  var y = tile;
  for (var oh = oh0; oh < p.H; oh++) {
    let r = oh - oh0;
    if (r >= 2u) { break; }
    for (var ow = ow0; ow < p.W; ow++) {
      let q = ow - ow0;
      if (q >= 2u) { break; }
      store_output(n, oh, ow, k4, y[r][q]);
    }
  }
}

fn store_tile4(tile: array<array<vec4f, 4>, 4>, n: u32, oh0: u32, ow0: u32, k4: u32) {
  var y = tile;
  for (var oh = oh0; oh < p.H; oh++) {
    let r = oh - oh0;
    if (r >= 4u) { break; }
    for (var ow = ow0; ow < p.W; ow++) {
      let q = ow - ow0;
      if (q >= 4u) { break; }
      store_output(n, oh, ow, k4, y[r][q]);
    }
  }
}

// F(4x4, 3x3) transforms (Lavin & Gray's points 0, +-1, +-2), applied to one row or column.
fn bt6(d: array<vec4f, 6>) -> array<vec4f, 6> {
  return array<vec4f, 6>(
    4.0 * d[0] - 5.0 * d[2] + d[4],
    d[3] + d[4] - 4.0 * (d[1] + d[2]),
    4.0 * (d[1] - d[2]) - d[3] + d[4],
    2.0 * (d[3] - d[1]) - d[2] + d[4],
    2.0 * (d[1] - d[3]) - d[2] + d[4],
    4.0 * d[1] - 5.0 * d[3] + d[5]);
}

fn at6(m: array<vec4f, 6>) -> array<vec4f, 4> {
  let sum12 = m[1] + m[2];
  let dif12 = m[1] - m[2];
  let sum34 = m[3] + m[4];
  let dif34 = m[3] - m[4];
  return array<vec4f, 4>(m[0] + sum12 + sum34, dif12 + 2.0 * dif34, sum12 + 4.0 * sum34, dif12 + 8.0 * dif34 + m[5]);
}

@compute @workgroup_size(64)
fn wino4_input(@builtin(global_invocation_id) g: vec3u) {
  let C4 = p.C / 4u;
  let at = tile_of(g, C4, 4u);
  if (!at.valid) { return; }
  let ih0 = i32(at.row) - 1;
  let iw0 = i32(at.col) - 1;
  // d B: each patch row transformed along the width.
  var t: array<array<vec4f, 6>, 6>;
  for (var i = 0; i < 6; i++) {
    var row: array<vec4f, 6>;
    for (var j = 0; j < 6; j++) { row[j] = load_x(at.n, ih0 + i, iw0 + j, at.group); }
    t[i] = bt6(row);
  }
  // B^T (d B): each column transformed along the height.
  var v: array<vec4f, 36>;
  for (var j = 0u; j < 6u; j++) {
    let column = bt6(array<vec4f, 6>(t[0][j], t[1][j], t[2][j], t[3][j], t[4][j], t[5][j]));
    for (var i = 0u; i < 6u; i++) { v[i * 6u + j] = column[i]; }
  }
  store_v36(v, p.P * C4, at.index * C4 + at.group);
}

@compute @workgroup_size(64)
fn wino4_output(@builtin(global_invocation_id) g: vec3u) {
  let K4 = p.K / 4u;
  let at = tile_of(g, K4, 4u);
  if (!at.valid) { return; }
  let m = load_m36(p.P * K4, at.index * K4 + at.group);
  // A^T M: each column reduced along the height to 4 rows.
  var s: array<array<vec4f, 6>, 4>;
  for (var j = 0u; j < 6u; j++) {
    let r = at6(array<vec4f, 6>(m[j], m[6u + j], m[12u + j], m[18u + j], m[24u + j], m[30u + j]));
    for (var i = 0u; i < 4u; i++) { s[i][j] = r[i]; }
  }
  var y: array<array<vec4f, 4>, 4>;
  for (var r = 0u; r < 4u; r++) { y[r] = at6(s[r]); }
  store_tile4(y, at.n, at.row, at.col, at.group);
}
