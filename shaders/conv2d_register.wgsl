// conv2d as an implicit GEMM over NHWC activations and HWIO weights, register-tiled for
// CPU-backed adapters (lavapipe/llvmpipe), with a fused epilogue: + bias, + residual, ReLU.
//
// Layout: NHWC, so the reduction over input channels walks contiguous memory, the weights
// [KH, KW, Cin, Cout] form a row-major B matrix [KH*KW*Cin, Cout] read as vec4 along Cout,
// and a 1x1 stride-1 conv is exactly a GEMM. Rows of the implicit GEMM are output pixels
// m = (n, oh, ow); columns are output channels.
//
// Tiling: a workgroup of WG invocations owns 8 output pixels x (WG*8) channels. The pixels
// come from workgroup_id, so their input offsets and padding checks are uniform: for each
// (kh, kw) they are computed once, and the Cin loop then loads each input value once for all
// lanes. Each invocation holds 8 pixels x 2 vec4 channel accumulators. No workgroup memory.
// conv_vec4 needs Cout % 4 == 0; conv_scalar takes any Cout.

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
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> Wt4: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> R: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<storage, read_write> Y4: array<vec4f>;

fn epilogue(v: f32, m: u32, k: u32) -> f32 {
  var r = v;
  if (HAS_BIAS) { r += bias[k]; }
  if (HAS_RESIDUAL) { r += R[m * p.K + k]; }
  if (RELU) { r = max(r, 0.0); }
  return r;
}

struct Pixels { ih: array<i32, 8>, iw: array<i32, 8>, nh: array<u32, 8> }

// Top-left input coordinate (may be in the padding) of the 8 pixels from row0 on.
fn pixels(row0: u32) -> Pixels {
  var px: Pixels;
  let plane = p.OH * p.OW;
  for (var i = 0u; i < 8u; i++) {
    let m = min(row0 + i, p.M - 1u);
    let n = m / plane;
    let r = m % plane;
    px.ih[i] = i32((r / p.OW) * p.stride) - i32(p.pad);
    px.iw[i] = i32((r % p.OW) * p.stride) - i32(p.pad);
    px.nh[i] = n * p.H;
  }
  return px;
}

fn row_base(wg: vec3u, nwg: vec3u) -> u32 {
  return (wg.y + wg.z * nwg.y) * 8u;
}

@compute @workgroup_size(WG)
fn conv_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg);
  if (row0 >= p.M) { return; }
  let k4 = p.K / 4u;
  let col = (wg.x * WG + li) * 2u; // in vec4 units
  let c0 = min(col, k4 - 1u);
  let c1 = min(col + 1u, k4 - 1u);
  let px = pixels(row0);
  var acc: array<array<vec4f, 2>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var x_off: array<u32, 8>;
      var inside: array<bool, 8>;
      for (var i = 0u; i < 8u; i++) {
        let ih = px.ih[i] + i32(kh);
        let iw = px.iw[i] + i32(kw);
        inside[i] = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        x_off[i] = select(0u, ((px.nh[i] + u32(ih)) * p.W + u32(iw)) * p.C, inside[i]);
      }
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * k4;
        let b0 = Wt4[w_off + c0];
        let b1 = Wt4[w_off + c1];
        for (var i = 0u; i < 8u; i++) {
          let a = select(0.0, X[x_off[i] + c], inside[i]);
          acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
          acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
        }
      }
    }
  }
  for (var i = 0u; i < 8u; i++) {
    let m = row0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 2u; j++) {
      let c = col + j;
      if (c < k4) {
        let k = c * 4u;
        let v = acc[i][j];
        Y4[m * k4 + c] = vec4f(epilogue(v.x, m, k), epilogue(v.y, m, k + 1u), epilogue(v.z, m, k + 2u), epilogue(v.w, m, k + 3u));
      }
    }
  }
}

@compute @workgroup_size(WG)
fn conv_scalar(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) li: u32) {
  let row0 = row_base(wg, nwg);
  if (row0 >= p.M) { return; }
  let col0 = (wg.x * WG + li) * 8u;
  var kc: array<u32, 8>;
  for (var j = 0u; j < 8u; j++) { kc[j] = min(col0 + j, p.K - 1u); }
  let px = pixels(row0);
  var acc: array<array<vec4f, 2>, 8>;
  for (var kh = 0u; kh < p.KH; kh++) {
    for (var kw = 0u; kw < p.KW; kw++) {
      var x_off: array<u32, 8>;
      var inside: array<bool, 8>;
      for (var i = 0u; i < 8u; i++) {
        let ih = px.ih[i] + i32(kh);
        let iw = px.iw[i] + i32(kw);
        inside[i] = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
        x_off[i] = select(0u, ((px.nh[i] + u32(ih)) * p.W + u32(iw)) * p.C, inside[i]);
      }
      let w_row = (kh * p.KW + kw) * p.C;
      for (var c = 0u; c < p.C; c++) {
        let w_off = (w_row + c) * p.K;
        let b0 = vec4f(Wt[w_off + kc[0]], Wt[w_off + kc[1]], Wt[w_off + kc[2]], Wt[w_off + kc[3]]);
        let b1 = vec4f(Wt[w_off + kc[4]], Wt[w_off + kc[5]], Wt[w_off + kc[6]], Wt[w_off + kc[7]]);
        for (var i = 0u; i < 8u; i++) {
          let a = select(0.0, X[x_off[i] + c], inside[i]);
          acc[i][0] = fma(vec4f(a), b0, acc[i][0]);
          acc[i][1] = fma(vec4f(a), b1, acc[i][1]);
        }
      }
    }
  }
  for (var i = 0u; i < 8u; i++) {
    let m = row0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 8u; j++) {
      let k = col0 + j;
      if (k < p.K) { Y[m * p.K + k] = epilogue(acc[i][j / 4u][j % 4u], m, k); }
    }
  }
}
