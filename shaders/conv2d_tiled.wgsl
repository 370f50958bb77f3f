// conv2d as an implicit GEMM over NHWC activations and HWIO weights, shaped for discrete
// GPUs, with a fused epilogue: + bias, + residual, ReLU. (NHWC: see conv2d_register.wgsl.)
//
// Tiling: a 16x16 workgroup owns 64 output pixels x 64 output channels; each invocation
// accumulates 4x4 outputs at pixels ty+16i and channels tx+16j. Per 16-deep step of the
// reduction index r = (kh*KW + kw)*Cin + c, the workgroup gathers a 64x16 im2col slice of the
// input (zeros in the padding) and a 16x64 slice of the weights into workgroup memory.

struct Params {
  N: u32, H: u32, W: u32, C: u32,
  OH: u32, OW: u32, K: u32, KH: u32,
  KW: u32, stride: u32, pad: u32, M: u32,
}

override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;
override RELU: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> R: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;

var<workgroup> As: array<array<f32, 65>, 16>; // [r][pixel], padded row
var<workgroup> Bs: array<array<f32, 64>, 16>; // [r][channel]

@compute @workgroup_size(16, 16)
fn conv_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row_tile = (wg.y + wg.z * nwg.y) * 64u;
  let col_tile = wg.x * 64u;
  let plane = p.OH * p.OW;
  let R_len = p.KH * p.KW * p.C;
  var acc: array<array<f32, 4>, 4>;
  // Each invocation gathers A-slice entries of one pixel (am = li % 64) on every step, so that
  // pixel's input coordinates are computed once, outside the reduction loop.
  let am = li % 64u;
  let m = row_tile + am;
  let m_ok = m < p.M;
  let mc = min(m, p.M - 1u);
  let n = mc / plane;
  let rem = mc % plane;
  let ih0 = i32((rem / p.OW) * p.stride) - i32(p.pad);
  let iw0 = i32((rem % p.OW) * p.stride) - i32(p.pad);
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
        let ih = ih0 + i32(khw / p.KW);
        let iw = iw0 + i32(khw % p.KW);
        if (ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W)) {
          av = X[((n * p.H + u32(ih)) * p.W + u32(iw)) * p.C + c];
        }
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
      if (k < p.K) {
        var v = acc[i][j];
        if (HAS_BIAS) { v += bias[k]; }
        if (HAS_RESIDUAL) { v += R[mo * p.K + k]; }
        if (RELU) { v = max(v, 0.0); }
        Y[mo * p.K + k] = v;
      }
    }
  }
}
