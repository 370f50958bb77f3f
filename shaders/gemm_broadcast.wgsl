// Batched GEMM C_z[M,N] = A_z(m,k)·B_z(k,n) with the fused epilogue (+ bias[n], + residual,
// ReLU) for CPU adapters with subgroups (lavapipe/llvmpipe); z = workgroup_id.z. Operands,
// strides and batches: common/gemm_operands.wgsl. Also the GEMM pass of the Winograd conv,
// batched over its 16 or 36 positions.
//
// Why this shape: llvmpipe turns every storage-buffer load into a per-lane loop with an
// execution-mask test and a bounds check, even when all lanes read the same address, so
// loads, not FMAs, set the speed. Each invocation holds 16 rows x 2 vec4 columns (128
// accumulators), and the 16 rows' A values are loaded once per subgroup: lane l loads row
// l % 8 of each group of 8 and share8 hands the value to every lane. Per k an
// invocation makes 2 vec4 B loads and 2 A loads for 128 FMAs (gemm_vec4: 2 vec4 + 8 for 64).
//
// Tiling: a workgroup of WG invocations (whole subgroups of 8 or 16 lanes) owns 16 rows x
// (WG*8) columns. No workgroup memory. Needs N % 4 == 0, b_col == 1 and the B and C rows
// and batches in whole vec4s.
enable subgroups;

#include "common/gemm_operands.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"
#include "common/subgroup_share.wgsl"

@compute @workgroup_size(WG)
fn gemm_broadcast(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32,
                  @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = wg.y * 16u;
  if (row0 >= p.M) { return; }
  let n4 = p.N / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, n4 - 1u);
  let c1 = min(col + 1u, n4 - 1u);
  let b_base = wg.z * (p.b_batch / 4u);
  let b_pitch = p.b_row / 4u;
  // This lane's two A rows: row0 + lane % 8 and row0 + 8 + lane % 8.
  let a0 = wg.z * p.a_batch + min(row0 + lane % 8u, p.M - 1u) * p.a_row;
  let a1 = wg.z * p.a_batch + min(row0 + 8u + lane % 8u, p.M - 1u) * p.a_row;
  var acc: array<array<vec4f, 2>, 16>;
  for (var k = 0u; k < p.K; k++) {
    let b_off = b_base + k * b_pitch;
    let b0 = vec4f(B4[b_off + c0]);
    let b1 = vec4f(B4[b_off + c1]);
    let ak = k * p.a_col;
    let rows = array<array<f32, 8>, 2>(share8(f32(A[a0 + ak])), share8(f32(A[a1 + ak])));
    for (var g = 0u; g < 2u; g++) {
      for (var i = 0u; i < 8u; i++) {
        acc[g * 8u + i][0] = fma(vec4f(rows[g][i]), b0, acc[g * 8u + i][0]);
        acc[g * 8u + i][1] = fma(vec4f(rows[g][i]), b1, acc[g * 8u + i][1]);
      }
    }
  }
  let c_base = wg.z * (p.c_batch / 4u);
  store_tile16(acc, row0, p.M, c_base, n4, col, n4);
}
