// conv2d shaped for discrete GPUs, with the fused epilogue (+ bias, + residual, ReLU).
// Implicit GEMM over NHWC: see common/conv_input.wgsl.
//
// Tiling: a 16x16 workgroup owns 64 output pixels x 64 output channels; each invocation
// accumulates 4x4 outputs at pixels ty+16i and channels tx+16j. Per 16-deep step of the
// reduction index r = (kh*KW + kw)*Cin + c, the workgroup gathers a 64x16 im2col slice of the
// input (zeros in the padding) and a 16x64 slice of the weights into workgroup memory.

#include "common/conv_input.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"

var<workgroup> As: array<array<f32, 65>, 16>; // [r][pixel], padded row
var<workgroup> Bs: array<array<f32, 64>, 16>; // [r][channel]

@compute @workgroup_size(16, 16)
fn conv_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row_tile = row_base(wg, nwg, 64u);
  let col_tile = wg.x * 64u;
  let R_len = p.KH * p.KW * p.C;
  var acc: array<array<f32, 4>, 4>;
  // Each invocation gathers A-slice entries of one pixel (am = li % 64) on every step, so that
  // pixel's input coordinates are computed once, outside the reduction loop.
  let am = li % 64u;
  let m = row_tile + am;
  let m_ok = m < p.M;
  let o = origin(min(m, p.M - 1u));
  let steps = (R_len + 15u) / 16u;
  for (var t = 0u; t < steps; t++) {
    let r0 = t * 16u;
    for (var e = 0u; e < 4u; e++) {
      let ar = li / 64u + 4u * e;
      let r = r0 + ar;
      var av = 0.0;
      if (m_ok && r < R_len) {
        let c = r % p.C;
        let khw = r / p.C;
        let at = tap(o, khw / p.KW, khw % p.KW);
        if (at.inside) { av = X[at.offset + c]; }
      }
      As[ar][am] = av;
      let idx = li + e * 256u;
      let bn = idx % 64u;
      let br = idx / 64u;
      let gk = col_tile + bn;
      let gr = r0 + br;
      var bv = 0.0;
      if (gk < p.K && gr < R_len) { bv = Wt[gr * p.K + gk]; }
      Bs[br][bn] = bv;
    }
    workgroupBarrier();
    for (var rr = 0u; rr < 16u; rr++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[rr][lid.y + 16u * i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[rr][lid.x + 16u * j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let mo = row_tile + lid.y + 16u * i;
    if (mo >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let k = col_tile + lid.x + 16u * j;
      if (k < p.K) { store(mo * p.K + k, k, acc[i][j]); }
    }
  }
}
