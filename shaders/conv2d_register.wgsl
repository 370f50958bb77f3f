// conv2d, register-tiled for CPU-backed adapters (lavapipe/llvmpipe), with the fused epilogue
// (+ bias, + residual, ReLU). Implicit GEMM over NHWC: see common/conv_input.wgsl.
//
// Tiling: a workgroup of WG invocations owns 8 output pixels x (WG*8) channels. The pixels
// come from workgroup_id, so their input offsets and padding checks are uniform: for each
// (kh, kw) they are computed once, and the Cin loop then loads each input value once for all
// lanes. Each invocation holds 8 pixels x 2 vec4 channel accumulators. No workgroup memory.
// conv_vec4 needs Cout % 4 == 0; conv_scalar takes any Cout.

#include "common/conv_input.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"

// Input offsets of the 8 pixels from row0 on at tap (kh, kw), with their padding checks.
struct Taps { inside: array<bool, 8>, offset: array<u32, 8> }

fn taps(px: array<Origin, 8>, kh: u32, kw: u32) -> Taps {
  var t: Taps;
  for (var i = 0u; i < 8u; i++) {
    let one = tap(px[i], kh, kw);
    t.inside[i] = one.inside;
    t.offset[i] = one.offset;
  }
  return t;
}

fn pixels(row0: u32) -> array<Origin, 8> {
  var px: array<Origin, 8>;
  for (var i = 0u; i < 8u; i++) { px[i] = origin(min(row0 + i, p.M - 1u)); }
  return px;
}

@compute @workgroup_size(WG)
fn conv_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg, 8u);
  if (row0 >= p.M) { return; }
  let k4 = p.K / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, k4 - 1u);
  let c1 = min(col + 1u, k4 - 1u);
  let px = pixels(row0);
  var acc: array<array<vec4f, 2>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      let t = taps(px, kh, kw);
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * k4;
        let b0 = w4_at(w_off + c0);
        let b1 = w4_at(w_off + c1);
        for (var i = 0u; i < 8u; i++) {
          let a = select(0.0, x_at(t.offset[i] + c), t.inside[i]);
          acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
          acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
        }
      }
    }
  }
  store_tile8(acc, row0, p.M, 0u, k4, col, k4);
}

@compute @workgroup_size(WG)
fn conv_scalar(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg, 8u);
  if (row0 >= p.M) { return; }
  let col0 = (wg.x * WG + li) * 8u;
  var kc: array<u32, 8>;
  for (var j = 0u; j < 8u; j++) { kc[j] = min(col0 + j, p.K - 1u); }
  let px = pixels(row0);
  var acc: array<array<vec4f, 2>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      let t = taps(px, kh, kw);
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * p.K;
        let b0 = vec4f(w_at(w_off + kc[0]), w_at(w_off + kc[1]), w_at(w_off + kc[2]), w_at(w_off + kc[3]));
        let b1 = vec4f(w_at(w_off + kc[4]), w_at(w_off + kc[5]), w_at(w_off + kc[6]), w_at(w_off + kc[7]));
        for (var i = 0u; i < 8u; i++) {
          let a = select(0.0, x_at(t.offset[i] + c), t.inside[i]);
          acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
          acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
        }
      }
    }
  }
  store_tile8_scalar(acc, row0, p.M, col0, p.K);
}
