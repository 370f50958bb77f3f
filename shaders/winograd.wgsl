// 3x3 stride-1 pad-1 convolution by Winograd F(2x2, 3x3), NHWC, three passes:
//   wino_input:  each 4x4 input patch d (stride 2) -> V = B^T d B, 16 values per channel
//   wino_gemm:   for each of the 16 positions e, M_e[P, K] = V_e[P, C] . U_e[C, K]
//                (U = G g G^T, the weights transformed once at load)
//   wino_output: each 16-value M -> the 2x2 output tile A^T M A, + bias, + residual, ReLU
// 2.25x fewer multiplications than the direct conv; the GEMM pass is register-tiled like
// gemm_register.wgsl (8 rows from workgroup_id, 8x2 vec4 per invocation, 16 lanes), with the
// position e in workgroup_id.z. Channels go in vec4s: C % 4 == 0 and K % 4 == 0.
// Layouts: V [16][P][C], U [16][C][K], M [16][P][K], P = N * ceil(H/2) * ceil(W/2) tiles.

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  K: u32, TH: u32, TW: u32, P: u32,
  row_pitch: u32, _a: u32, _b: u32, _c: u32,
}

override WG: u32 = 16;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: Params;

// wino_input
@group(0) @binding(1) var<storage, read> X4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> V4: array<vec4f>;

// Tile of flat index idx over (tile, vec4 channel group): the image n and its top-left corner.
struct Tile { index: u32, group: u32, n: u32, row: u32, col: u32 }

fn tile_of(idx: u32, groups: u32) -> Tile {
  let tile = idx / groups;
  let t = tile % (p.TH * p.TW);
  return Tile(tile, idx % groups, tile / (p.TH * p.TW), (t / p.TW) * 2u, (t % p.TW) * 2u);
}

fn load_x(n: u32, ih: i32, iw: i32, c4: u32) -> vec4f {
  if (ih < 0 || iw < 0 || ih >= i32(p.H) || iw >= i32(p.W)) { return vec4f(0.0); }
  return X4[((n * p.H + u32(ih)) * p.W + u32(iw)) * (p.C / 4u) + c4];
}

@compute @workgroup_size(64)
fn wino_input(@builtin(global_invocation_id) g: vec3u) {
  let C4 = p.C / 4u;
  let idx = g.x + g.y * p.row_pitch;
  if (idx >= p.P * C4) { return; }
  let at = tile_of(idx, C4);
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
  let slab = p.P * C4;
  let base = tile * C4 + c4;
  for (var i = 0u; i < 4u; i++) {
    V4[(i * 4u + 0u) * slab + base] = r[i][0] - r[i][2];
    V4[(i * 4u + 1u) * slab + base] = r[i][1] + r[i][2];
    V4[(i * 4u + 2u) * slab + base] = r[i][2] - r[i][1];
    V4[(i * 4u + 3u) * slab + base] = r[i][1] - r[i][3];
  }
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
  let m_slab = e * p.P * k4;
  for (var i = 0u; i < 8u; i++) {
    let m = row0 + i;
    if (m >= p.P) { break; }
    if (col < k4) { M4[m_slab + m * k4 + col] = acc[i][0]; }
    if (col + 1u < k4) { M4[m_slab + m * k4 + col + 1u] = acc[i][1]; }
  }
}

// wino_output
@group(0) @binding(1) var<storage, read> Mo4: array<vec4f>;
@group(0) @binding(2) var<storage, read> bias4: array<vec4f>;
@group(0) @binding(3) var<storage, read> R4: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> Y4: array<vec4f>;

@compute @workgroup_size(64)
fn wino_output(@builtin(global_invocation_id) g: vec3u) {
  let K4 = p.K / 4u;
  let idx = g.x + g.y * p.row_pitch;
  if (idx >= p.P * K4) { return; }
  let at = tile_of(idx, K4);
  let tile = at.index;
  let k4 = at.group;
  let n = at.n;
  let oh0 = at.row;
  let ow0 = at.col;
  let slab = p.P * K4;
  var m: array<vec4f, 16>;
  for (var e = 0u; e < 16u; e++) { m[e] = Mo4[e * slab + tile * K4 + k4]; }
  // A^T m: rows, then columns.
  var s: array<array<vec4f, 4>, 2>;
  for (var j = 0u; j < 4u; j++) {
    s[0][j] = m[j] + m[4u + j] + m[8u + j];
    s[1][j] = m[4u + j] - m[8u + j] - m[12u + j];
  }
  var b = vec4f(0.0);
  if (HAS_BIAS) { b = bias4[k4]; }
  for (var r = 0u; r < 2u; r++) {
    let y0 = s[r][0] + s[r][1] + s[r][2];
    let y1 = s[r][1] - s[r][2] - s[r][3];
    for (var q = 0u; q < 2u; q++) {
      let oh = oh0 + r;
      let ow = ow0 + q;
      if (oh < p.H && ow < p.W) {
        let o = ((n * p.H + oh) * p.W + ow) * K4 + k4;
        var v = select(y0, y1, q == 1u) + b;
        if (HAS_RESIDUAL) { v += R4[o]; }
        if (RELU) { v = max(v, vec4f(0.0)); }
        Y4[o] = v;
      }
    }
  }
}
