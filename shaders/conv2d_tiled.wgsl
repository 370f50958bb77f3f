// conv2d shaped for discrete GPUs, with the fused epilogue (+ bias, + residual, ReLU).
// Implicit GEMM over NHWC: see common/conv_input.wgsl.
//
// Tiling: a 16x16 workgroup owns 64 output pixels x 64 output channels; each invocation
// accumulates 4x4 outputs at pixels ty+16i and channels tx+16j. Per 16-deep step of the
// reduction index r = (kh*KW + kw)*Cin + c, the workgroup gathers a 64x16 im2col slice of the
// input (zeros in the padding) and a 16x64 slice of the weights into workgroup memory.
//
// conv_tiled128 (Cin and Cout multiples of 4) owns 128 pixels x 128 channels with the 8x8
// scheme of common/tile128.wgsl. A run of 4 reduction indices starting at a multiple of 4
// stays within one tap, so each invocation gathers one vec4 of 4 input channels per 8-deep
// step, and the weights and outputs move as vec4s.
//
// Split-K (conv_tiled_split, conv_tiled128_split; for grids too small to fill the adapter):
// workgroup z takes the z-th of SPLIT_K runs of reduction steps and stores its raw sums in
// partials[z][m][k]; split_k.wgsl adds them up and applies the epilogue. Rows are then
// numbered by workgroup_id.y alone. The stores stay in separate entry points: one helper
// storing either way would make every entry point declare both outputs, and a binding left
// unused by a dispatch would still need a writable buffer of its own.

#include "common/conv_input.wgsl"
#include "common/epilogue.wgsl"
#include "common/register_tile.wgsl"
#include "common/tile128.wgsl"

override SPLIT_K: u32 = 1u;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials4: array<vec4f>;

// The reduction steps [first, end) a workgroup takes, and its first output row.
struct Split { first: u32, end: u32, row_tile: u32 }

fn whole(wg: vec3u, nwg: vec3u, steps: u32, rows: u32) -> Split {
  return Split(0u, steps, row_base(wg, nwg, rows));
}

fn split_of(wg: vec3u, steps: u32, rows: u32) -> Split {
  let per = (steps + SPLIT_K - 1u) / SPLIT_K;
  let first = min(wg.z * per, steps);
  return Split(first, min(first + per, steps), wg.y * rows);
}

fn steps64() -> u32 { return (p.KH * p.KW * p.C + 15u) / 16u; }
fn steps128() -> u32 { return (p.KH * p.KW * p.C + 7u) / 8u; }

var<workgroup> As: array<array<f32, 65>, 16>; // [r][pixel], padded row
var<workgroup> Bs: array<array<f32, 64>, 16>; // [r][channel]

// The 64x64 tile's sums over reduction steps [s.first, s.end): invocation (tx, ty) holds
// pixels s.row_tile + ty + 16i and channels col_tile + tx + 16j.
fn tile64_sums(s: Split, col_tile: u32, lid: vec3u, li: u32) -> array<array<f32, 4>, 4> {
  let row_tile = s.row_tile;
  let R_len = p.KH * p.KW * p.C;
  var acc: array<array<f32, 4>, 4>;
  // Each invocation gathers A-slice entries of one pixel (am = li % 64) on every step, so that
  // pixel's input coordinates are computed once, outside the reduction loop.
  let am = li % 64u;
  let m = row_tile + am;
  let m_ok = m < p.M;
  let o = origin(min(m, p.M - 1u));
  for (var t = s.first; t < s.end; t++) {
    let r0 = t * 16u;
    for (var e = 0u; e < 4u; e++) {
      let ar = li / 64u + 4u * e;
      let r = r0 + ar;
      var av = 0.0;
      if (m_ok && r < R_len) {
        let c = r % p.C;
        let khw = r / p.C;
        let at = tap(o, khw / p.KW, khw % p.KW);
        if (at.inside) { av = x_at(at.offset + c); }
      }
      As[ar][am] = av;
      let idx = li + e * 256u;
      let bn = idx % 64u;
      let br = idx / 64u;
      let gk = col_tile + bn;
      let gr = r0 + br;
      var bv = 0.0;
      if (gk < p.K && gr < R_len) { bv = w_at(gr * p.K + gk); }
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
  return acc;
}

@compute @workgroup_size(16, 16)
fn conv_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = whole(wg, nwg, steps64(), 64u);
  let col_tile = wg.x * 64u;
  let acc = tile64_sums(s, col_tile, lid, li);
  for (var i = 0u; i < 4u; i++) {
    let mo = s.row_tile + lid.y + 16u * i;
    if (mo >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let k = col_tile + lid.x + 16u * j;
      if (k < p.K) { store(mo * p.K + k, k, acc[i][j]); }
    }
  }
}

@compute @workgroup_size(16, 16)
fn conv_tiled_split(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
                    @builtin(local_invocation_index) li: u32) {
  let s = split_of(wg, steps64(), 64u);
  let col_tile = wg.x * 64u;
  let acc = tile64_sums(s, col_tile, lid, li);
  for (var i = 0u; i < 4u; i++) {
    let mo = s.row_tile + lid.y + 16u * i;
    if (mo >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let k = col_tile + lid.x + 16u * j;
      if (k < p.K) { partials[(wg.z * p.M + mo) * p.K + k] = acc[i][j]; }
    }
  }
}

@group(0) @binding(1) var<storage, read> X4: array<elem4>;

// The 128x128 tile's sums over reduction steps [s.first, s.end) (common/tile128.wgsl's layout).
fn tile128_sums(s: Split, col_tile: u32, lid: vec3u, li: u32) -> Acc128 {
  let row_tile = s.row_tile;
  let R_len = p.KH * p.KW * p.C;
  let K4 = p.K / 4u;
  var acc: Acc128;
  // Invocation li gathers pixel am's reduction indices 4*aq..+3 of each 8-deep step ...
  let am = li / 2u;
  let aq = li % 2u;
  let m = row_tile + am;
  let m_ok = m < p.M;
  let o = origin(min(m, p.M - 1u));
  // ... and the vec4 bn4 of weight row bk.
  let bk = li / 32u;
  let gk4 = col_tile / 4u + li % 32u;
  for (var t = s.first; t < s.end; t++) {
    let r = t * 8u + aq * 4u;
    var av = vec4f(0.0);
    if (m_ok && r < R_len) {
      let khw = r / p.C;
      let at = tap(o, khw / p.KW, khw % p.KW);
      if (at.inside) { av = vec4f(X4[(at.offset + r % p.C) / 4u]); }
    }
    for (var j = 0u; j < 4u; j++) { As128[(aq * 4u + j) * 32u + am / 4u][am % 4u] = av[j]; }
    let gr = t * 8u + bk;
    var bv = vec4f(0.0);
    if (gk4 < K4 && gr < R_len) { bv = w4_at(gr * K4 + gk4); }
    Bs128[bk * 32u + li % 32u] = bv;
    workgroupBarrier();
    tile128_multiply(lid, &acc);
    workgroupBarrier();
  }
  return acc;
}

@compute @workgroup_size(16, 16)
fn conv_tiled128(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let s = whole(wg, nwg, steps128(), 128u);
  let col_tile = wg.x * 128u;
  let acc = tile128_sums(s, col_tile, lid, li);
  let K4 = p.K / 4u;
  for (var r = 0u; r < 8u; r++) {
    let mo = s.row_tile + tile128_row(lid, r);
    if (mo >= p.M) { continue; }
    for (var g = 0u; g < 2u; g++) {
      let n4 = col_tile / 4u + g * 16u + lid.x;
      if (n4 < K4) { store4(mo * K4 + n4, n4, acc[r][g]); }
    }
  }
}

@compute @workgroup_size(16, 16)
fn conv_tiled128_split(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
                       @builtin(local_invocation_index) li: u32) {
  let s = split_of(wg, steps128(), 128u);
  let col_tile = wg.x * 128u;
  let acc = tile128_sums(s, col_tile, lid, li);
  let K4 = p.K / 4u;
  for (var r = 0u; r < 8u; r++) {
    let mo = s.row_tile + tile128_row(lid, r);
    if (mo >= p.M) { continue; }
    for (var g = 0u; g < 2u; g++) {
      let n4 = col_tile / 4u + g * 16u + lid.x;
      if (n4 < K4) { partials4[(wg.z * p.M + mo) * K4 + n4] = acc[r][g]; }
    }
  }
}
