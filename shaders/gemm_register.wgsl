// GEMM C[M,N] = A(m,k)·B(k,n) with the fused epilogue (+ bias[n], + residual, ReLU),
// register-tiled for CPU-backed adapters (lavapipe/llvmpipe run a workgroup's invocations as
// SIMD lanes of one CPU thread). Operands and strides: common/gemm_operands.wgsl (no batches).
//
// Tiling: a workgroup of WG invocations owns 8 rows x (WG*8) columns of C. The 8 row indices
// come from workgroup_id, so they are uniform and lavapipe loads each A value once for all
// lanes; every invocation keeps 8 rows x 2 vec4 accumulators in registers and reads 8
// consecutive B values per k. No workgroup memory and no barriers: both are costly on a CPU.
// Out-of-range rows/columns load clamped (valid) addresses and are never stored.
//
// gemm_vec4 reads B and writes C as vec4 and needs N % 4 == 0 and b_col == 1;
// gemm_scalar takes any shape and strides.

#include "common/gemm_operands.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"

@compute @workgroup_size(WG)
fn gemm_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg, 8u);
  if (row0 >= p.M) { return; }
  let n4 = p.N / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, n4 - 1u);
  let c1 = min(col + 1u, n4 - 1u);
  var a_off: array<u32, 8>;
  for (var i = 0u; i < 8u; i++) { a_off[i] = min(row0 + i, p.M - 1u) * p.a_row; }
  var acc: array<array<vec4f, 2>, 8>;
  for (var k = 0u; k < p.K; k++) {
    let b_off = k * (p.b_row / 4u);
    let b0 = vec4f(B4[b_off + c0]);
    let b1 = vec4f(B4[b_off + c1]);
    let ak = k * p.a_col;
    for (var i = 0u; i < 8u; i++) {
      let a = f32(A[a_off[i] + ak]);
      acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
      acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
    }
  }
  store_tile8(acc, row0, p.M, 0u, n4, col, n4);
}

@compute @workgroup_size(WG)
fn gemm_scalar(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg, 8u);
  if (row0 >= p.M) { return; }
  let col0 = (wg.x * WG + li) * 8u;
  var a_off: array<u32, 8>;
  for (var i = 0u; i < 8u; i++) { a_off[i] = min(row0 + i, p.M - 1u) * p.a_row; }
  var b_off: array<u32, 8>;
  for (var j = 0u; j < 8u; j++) { b_off[j] = min(col0 + j, p.N - 1u) * p.b_col; }
  var acc: array<array<vec4f, 2>, 8>;
  for (var k = 0u; k < p.K; k++) {
    let bk = k * p.b_row;
    let b0 = vec4f(f32(B[bk + b_off[0]]), f32(B[bk + b_off[1]]), f32(B[bk + b_off[2]]), f32(B[bk + b_off[3]]));
    let b1 = vec4f(f32(B[bk + b_off[4]]), f32(B[bk + b_off[5]]), f32(B[bk + b_off[6]]), f32(B[bk + b_off[7]]));
    let ak = k * p.a_col;
    for (var i = 0u; i < 8u; i++) {
      let a = f32(A[a_off[i] + ak]);
      acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
      acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
    }
  }
  store_tile8_scalar(acc, row0, p.M, col0, p.N);
}
