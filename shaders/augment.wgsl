// Keras's random affine transform + normalization of a batch of 8-bit RGB images, already at
// the network's input size, into its NHWC float input, one invocation per output pixel.
//
// Each image has an affine map from output pixel centres to source coordinates (Keras's
// shear, zoom and flip composed on the CPU, or the identity). Sampling is
// scipy.ndimage.affine_transform(order=1)'s, as keras-preprocessing 1.0.2 calls it: bilinear
// between the four pixels around the point, pixel centres at integer coordinates (the map's
// centre coordinate minus 0.5), no antialiasing; 'nearest' clamps the point into the image,
// 'constant' gives black outside [0, size - 1]. Under the identity every point is a pixel
// centre and the pixel is copied exactly (torchvision's images, augmented on the CPU).
// Output channels are RGB or BGR, then (value / divisor - mean) * inv_std.
//
// Source pixels are packed RGBA8 in one u32 each; images of a batch are concatenated.

@group(0) @binding(0) var<uniform> p: AugmentParams;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> metas: array<ImageMeta>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn rgb(m: ImageMeta, x: i32, y: i32) -> vec3f {
  let v = pixels[m.offset + u32(y) * m.width + u32(x)];
  return vec3f(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu));
}

@compute @workgroup_size(64)
fn augment(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let index = gid.x + gid.y * nwg.x * 64u;
  let plane = p.OH * p.OW;
  if (index >= p.N * plane) { return; }
  let n = index / plane;
  let r = index % plane;
  let ox = f32(r % p.OW) + 0.5;
  let oy = f32(r / p.OW) + 0.5;
  let m = metas[n];
  let W = f32(m.width);
  let H = f32(m.height);
  var sx = m.a.x * ox + m.a.y * oy + m.a.z - 0.5;
  var sy = m.a.w * ox + m.b.x * oy + m.b.y - 0.5;
  var value = vec3f(0.0);
  let outside = sx < 0.0 || sx > W - 1.0 || sy < 0.0 || sy > H - 1.0;
  if (!outside || p.fill_nearest != 0u) {
    sx = clamp(sx, 0.0, W - 1.0);
    sy = clamp(sy, 0.0, H - 1.0);
    let x0 = i32(floor(sx));
    let y0 = i32(floor(sy));
    let fx = sx - f32(x0);
    let fy = sy - f32(y0);
    let x1 = min(x0 + 1, i32(m.width) - 1);
    let y1 = min(y0 + 1, i32(m.height) - 1);
    value = (1.0 - fy) * ((1.0 - fx) * rgb(m, x0, y0) + fx * rgb(m, x1, y0)) +
      fy * ((1.0 - fx) * rgb(m, x0, y1) + fx * rgb(m, x1, y1));
  }
  let o = index * 3u;
  if (p.bgr != 0u) { value = value.zyx; }
  let v = (value / p.divisor - p.mean.xyz) * p.inv_std.xyz;
  out[o] = v.x;
  out[o + 1u] = v.y;
  out[o + 2u] = v.z;
}
