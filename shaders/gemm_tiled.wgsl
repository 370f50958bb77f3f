// GEMM C[M,N] = A(m,k)·B(k,n) with the fused epilogue (+ bias[n], + residual, ReLU), shaped
// for discrete GPUs. Operands and strides: common/gemm_operands.wgsl (no batches).
//
// Tiling: a 16x16 workgroup owns a 64x64 tile of C; each invocation accumulates 4x4 outputs
// at rows ty+16i and columns tx+16j, so neighbouring invocations touch neighbouring addresses
// (coalesced stores, conflict-free workgroup reads). Per 16-deep K step the workgroup stages a
// 64x16 slice of A and a 16x64 slice of B in workgroup memory (4 elements per invocation
// each), with zeros outside the matrices.
//
// gemm_tiled128 is the same scheme at 8x8 outputs per invocation (common/tile128.wgsl): 4 vec4
// workgroup reads per 64 FMAs instead of 8 scalar reads per 16.

#include "common/gemm_operands.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"
#include "common/tile128.wgsl"

var<workgroup> As: array<array<f32, 65>, 16>; // [k][m], padded row
var<workgroup> Bs: array<array<f32, 64>, 16>; // [k][n]

// Operand values with zeros outside the matrices.
fn load_a(m: u32, k: u32) -> f32 {
  if (m < p.M && k < p.K) { return f32(A[m * p.a_row + k * p.a_col]); }
  return 0.0;
}

fn load_b(k: u32, n: u32) -> f32 {
  if (k < p.K && n < p.N) { return f32(B[k * p.b_row + n * p.b_col]); }
  return 0.0;
}

@compute @workgroup_size(16, 16)
fn gemm_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row_tile = row_base(wg, nwg, 64u);
  let col_tile = wg.x * 64u;
  var acc: array<array<f32, 4>, 4>;
  let k_tiles = (p.K + 15u) / 16u;
  for (var t = 0u; t < k_tiles; t++) {
    let k0 = t * 16u;
    for (var e = 0u; e < 4u; e++) {
      let idx = li + e * 256u;
      // A slice: consecutive invocations walk m (contiguous when A is transposed) ...
      As[idx / 64u][idx % 64u] = load_a(row_tile + idx % 64u, k0 + idx / 64u);
      // ... and B slice: consecutive invocations walk n.
      Bs[idx / 64u][idx % 64u] = load_b(k0 + idx / 64u, col_tile + idx % 64u);
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
      if (n < p.N) { store(m * p.N + n, n, acc[i][j]); }
    }
  }
}

@compute @workgroup_size(16, 16)
fn gemm_tiled128(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row_tile = row_base(wg, nwg, 128u);
  let col_tile = wg.x * 128u;
  var acc: Acc128;
  let k_tiles = (p.K + 7u) / 8u;
  for (var t = 0u; t < k_tiles; t++) {
    let k0 = t * 8u;
    for (var e = 0u; e < 4u; e++) {
      let idx = li + e * 256u;
      // A slice 128 x 8: consecutive invocations walk k, then m.
      let am = idx / 8u;
      let ak = idx % 8u;
      As128[ak * 32u + am / 4u][am % 4u] = load_a(row_tile + am, k0 + ak);
      // B slice 8 x 128: consecutive invocations walk n.
      let bn = idx % 128u;
      let bk = idx / 128u;
      Bs128[bk * 32u + bn / 4u][bn % 4u] = load_b(k0 + bk, col_tile + bn);
    }
    workgroupBarrier();
    tile128_multiply(lid, &acc);
    workgroupBarrier();
  }
  for (var r = 0u; r < 8u; r++) {
    let m = row_tile + tile128_row(lid, r);
    if (m >= p.M) { continue; }
    for (var g = 0u; g < 2u; g++) {
      for (var j = 0u; j < 4u; j++) {
        let n = col_tile + g * 64u + lid.x * 4u + j;
        if (n < p.N) { store(m * p.N + n, n, acc[r][g][j]); }
      }
    }
  }
}
