// conv2d for CPU adapters with subgroups (lavapipe/llvmpipe), with the fused epilogue
// (+ bias, + residual, ReLU). Implicit GEMM over NHWC: see common/conv_input.wgsl.
//
// Why this shape: llvmpipe turns every storage-buffer load into a per-lane loop with an
// execution-mask test and a bounds check, even when all lanes read the same address, so
// loads, not FMAs, set the speed. Each invocation therefore holds a larger tile, 16 pixels
// x 2 vec4 channels (128 accumulators), and the 16 pixels' input values are loaded once
// per subgroup: lane l loads pixel l % 8 of each group of 8 and share8 hands the value to
// every lane. Per input channel and tap an invocation makes 2 vec4 weight loads and 2 input
// loads for 128 FMAs (conv_vec4: 2 vec4 + 8 loads for 64).
//
// Tiling: a workgroup of WG invocations (whole subgroups of 8 or 16 lanes) owns 16 output
// pixels x (WG*8) channels; the pixels come from workgroup_id. No workgroup memory.
// Needs Cout % 4 == 0.
enable subgroups;

#include "common/conv_input.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"
#include "common/subgroup_share.wgsl"

@compute @workgroup_size(WG)
fn conv_broadcast(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = row_base(wg, nwg, 16u);
  if (row0 >= p.M) { return; }
  let k4 = p.K / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, k4 - 1u);
  let c1 = min(col + 1u, k4 - 1u);
  // This lane's two pixels: row0 + lane % 8 and row0 + 8 + lane % 8.
  var px: array<Origin, 2>;
  for (var g = 0u; g < 2u; g++) { px[g] = origin(min(row0 + g * 8u + lane % 8u, p.M - 1u)); }
  var acc: array<array<vec4f, 2>, 16>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      let t = array<Tap, 2>(tap(px[0], kh, kw), tap(px[1], kh, kw));
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * k4;
        let b0 = w4_at(w_off + c0);
        let b1 = w4_at(w_off + c1);
        for (var g = 0u; g < 2u; g++) {
          let a = share8(select(0.0, x_at(t[g].offset + c), t[g].inside));
          for (var i = 0u; i < 8u; i++) {
            acc[g * 8u + i][0] = fma(vec4f(a[i]), b0, acc[g * 8u + i][0]);
            acc[g * 8u + i][1] = fma(vec4f(a[i]), b1, acc[g * 8u + i][1]);
          }
        }
      }
    }
  }
  store_tile16(acc, row0, p.M, 0u, k4, col, k4);
}
