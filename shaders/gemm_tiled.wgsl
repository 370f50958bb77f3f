// GEMM C[M,N] = A(m,k)·B(k,n) (+ bias[n]) (+ ReLU), shaped for discrete GPUs.
//
// Tiling: a 16x16 workgroup owns a 64x64 tile of C; each invocation accumulates 4x4 outputs
// at rows ty+16i and columns tx+16j, so neighbouring invocations touch neighbouring addresses
// (coalesced stores, conflict-free workgroup reads). Per 16-deep K step the workgroup stages a
// 64x16 slice of A and a 16x64 slice of B in workgroup memory (4 elements per invocation
// each), with zeros outside the matrices.
//
// Strides make either operand transposable: A(m,k) = A[m*a_row + k*a_col],
// B(k,n) = B[k*b_row + n*b_col].

struct Params {
  M: u32, N: u32, K: u32, a_row: u32,
  a_col: u32, b_row: u32, b_col: u32, _pad: u32,
}

override HAS_BIAS: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> C: array<f32>;

var<workgroup> As: array<array<f32, 65>, 16>; // [k][m], padded row
var<workgroup> Bs: array<array<f32, 64>, 16>; // [k][n]

@compute @workgroup_size(16, 16)
fn gemm_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row_tile = (wg.y + wg.z * nwg.y) * 64u;
  let col_tile = wg.x * 64u;
  var acc: array<array<f32, 4>, 4>;
  let k_tiles = (p.K + 15u) / 16u;
  for (var t = 0u; t < k_tiles; t++) {
    let k0 = t * 16u;
    for (var e = 0u; e < 4u; e++) {
      let idx = li + e * 256u;
      // A slice: consecutive invocations walk m (contiguous when A is transposed) ...
      let am = idx % 64u;
      let ak = idx / 64u;
      let gm = row_tile + am;
      let gk = k0 + ak;
      var av = 0.0;
      if (gm < p.M && gk < p.K) { av = A[gm * p.a_row + gk * p.a_col]; }
      As[ak][am] = av;
      // ... and B slice: consecutive invocations walk n.
      let bn = idx % 64u;
      let bk = idx / 64u;
      let gn = col_tile + bn;
      let gkb = k0 + bk;
      var bv = 0.0;
      if (gn < p.N && gkb < p.K) { bv = B[gkb * p.b_row + gn * p.b_col]; }
      Bs[bk][bn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[kk][lid.y + 16u * i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[kk][lid.x + 16u * j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row_tile + lid.y + 16u * i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col_tile + lid.x + 16u * j;
      if (n < p.N) {
        var v = acc[i][j];
        if (HAS_BIAS) { v += bias[n]; }
        if (RELU) { v = max(v, 0.0); }
        C[m * p.N + n] = v;
      }
    }
  }
}
