// The 128x128 output tile shared by gemm_tiled128 and conv_tiled128: a 16x16 workgroup whose
// invocations each accumulate 8x8 outputs, from 8-deep slices of A (k-major) and B staged in
// workgroup memory as vec4s. Invocation (tx, ty) owns rows ty*4..+3 and 64+ty*4..+3 and columns
// tx*4..+3 and 64+tx*4..+3 of the tile: 4 vec4 workgroup reads per 64 FMAs, conflict-free.

var<workgroup> As128: array<vec4f, 256>; // [k][m / 4], 8 x 128 values
var<workgroup> Bs128: array<vec4f, 256>; // [k][n / 4]

// [row r][column group g]: row tile128_row(r), columns g*64 + tx*4..+3.
alias Acc128 = array<array<vec4f, 2>, 8>;

// acc += the staged 8-deep slices' product (between the workgroup barriers).
fn tile128_multiply(lid: vec3u, acc: ptr<function, Acc128>) {
  for (var kk = 0u; kk < 8u; kk++) {
    let a0 = As128[kk * 32u + lid.y];
    let a1 = As128[kk * 32u + 16u + lid.y];
    let b0 = Bs128[kk * 32u + lid.x];
    let b1 = Bs128[kk * 32u + 16u + lid.x];
    for (var i = 0u; i < 4u; i++) {
      (*acc)[i][0] = fma(vec4f(a0[i]), b0, (*acc)[i][0]);
      (*acc)[i][1] = fma(vec4f(a0[i]), b1, (*acc)[i][1]);
      (*acc)[4u + i][0] = fma(vec4f(a1[i]), b0, (*acc)[4u + i][0]);
      (*acc)[4u + i][1] = fma(vec4f(a1[i]), b1, (*acc)[4u + i][1]);
    }
  }
}

// The tile row of accumulator row r.
fn tile128_row(lid: vec3u, r: u32) -> u32 {
  return (r / 4u) * 64u + lid.y * 4u + r % 4u;
}
