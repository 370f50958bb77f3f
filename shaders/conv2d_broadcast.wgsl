// conv2d as an implicit GEMM over NHWC activations and HWIO weights, for CPU adapters with
// subgroups (lavapipe/llvmpipe), with a fused epilogue: + bias, + residual, ReLU. Same
// layouts as conv2d_register.wgsl: rows are output pixels m = (n, oh, ow), columns output
// channels, weights a row-major [KH*KW*Cin, Cout] matrix read as vec4 along Cout.
//
// Why this shape: llvmpipe turns every storage-buffer load into a per-lane loop with an
// execution-mask test and a bounds check, even when all lanes read the same address, so
// loads, not FMAs, set the speed. Each invocation therefore holds a larger tile, 16 pixels
// x 2 vec4 channels (128 accumulators), and the 16 pixels' input values are loaded once
// per subgroup: lane l loads pixel l % 8 of each group of 8 and subgroupBroadcast hands the
// value to every lane. Per input channel and tap an invocation makes 2 vec4 weight loads
// and 2 input loads for 128 FMAs (conv_vec4: 2 vec4 + 8 loads for 64).
//
// Tiling: a workgroup of WG invocations (whole subgroups of 8 or 16 lanes) owns 16 output
// pixels x (WG*8) channels; the pixels come from workgroup_id. No workgroup memory.
// Needs Cout % 4 == 0.
enable subgroups;

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  OH: u32, OW: u32, K: u32, KH: u32,
  KW: u32, stride: u32, pad: u32, M: u32,
}

override WG: u32 = 16;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt4: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4f>;
@group(0) @binding(4) var<storage, read> R4: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> Y4: array<vec4f>;

// The 8 values of `mine` held by subgroup lanes 0..7, in every lane.
fn share8(mine: f32) -> array<f32, 8> {
  return array<f32, 8>(
    subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u), subgroupBroadcast(mine, 3u),
    subgroupBroadcast(mine, 4u), subgroupBroadcast(mine, 5u), subgroupBroadcast(mine, 6u), subgroupBroadcast(mine, 7u));
}

@compute @workgroup_size(WG)
fn conv_broadcast(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let row0 = (wg.y + wg.z * nwg.y) * 16u;
  if (row0 >= p.M) { return; }
  let k4 = p.K / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, k4 - 1u);
  let c1 = min(col + 1u, k4 - 1u);
  // This lane's two pixels, row0 + lane % 8 and row0 + 8 + lane % 8: their top-left input
  // coordinates (maybe in the padding).
  let plane = p.OH * p.OW;
  var ih0: array<i32, 2>;
  var iw0: array<i32, 2>;
  var nh: array<u32, 2>;
  for (var g = 0u; g < 2u; g++) {
    let m = min(row0 + g * 8u + lane % 8u, p.M - 1u);
    let r = m % plane;
    ih0[g] = i32((r / p.OW) * p.stride) - i32(p.pad);
    iw0[g] = i32((r % p.OW) * p.stride) - i32(p.pad);
    nh[g] = (m / plane) * p.H;
  }
  var acc: array<array<vec4f, 2>, 16>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var x_off: array<u32, 2>;
      var inside: array<bool, 2>;
      for (var g = 0u; g < 2u; g++) {
        let ih = ih0[g] + i32(kh);
        let iw = iw0[g] + i32(kw);
        inside[g] = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        x_off[g] = select(0u, ((nh[g] + u32(ih)) * p.W + u32(iw)) * p.C, inside[g]);
      }
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * k4;
        let b0 = Wt4[w_off + c0];
        let b1 = Wt4[w_off + c1];
        for (var g = 0u; g < 2u; g++) {
          let a = share8(select(0.0, X[x_off[g] + c], inside[g]));
          for (var i = 0u; i < 8u; i++) {
            acc[g * 8u + i][0] = fma(vec4f(a[i]), b0, acc[g * 8u + i][0]);
            acc[g * 8u + i][1] = fma(vec4f(a[i]), b1, acc[g * 8u + i][1]);
          }
        }
      }
    }
  }
  for (var i = 0u; i < 16u; i++) {
    let m = row0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 2u; j++) {
      let c = col + j;
      if (c < k4) {
        var v = acc[i][j];
        if (HAS_BIAS) { v += bias4[c]; }
        if (HAS_RESIDUAL) { v += R4[m * k4 + c]; }
        if (RELU) { v = max(v, vec4f(0.0)); }
        Y4[m * k4 + c] = v;
      }
    }
  }
}
