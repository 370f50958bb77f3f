// conv2d as an implicit GEMM over NHWC activations and HWIO weights: the uniforms (ConvParams,
// declared by src/kernels/conv2d.ts), the input bindings, and the input addressing shared by
// every conv variant. Activations and weights are stored as `elem` (f32 or f16, aliased by the
// launcher) and loaded into f32, where every variant accumulates. Rows of the implicit GEMM are
// output pixels m = (n, oh, ow), columns output channels; the weights [KH, KW, Cin, Cout] are a
// row-major [KH*KW*Cin, Cout] matrix.
// NHWC makes the reduction over input channels walk contiguous memory, and a 1x1 stride-1
// conv exactly a GEMM.

@group(0) @binding(0) var<uniform> p: ConvParams;
@group(0) @binding(1) var<storage, read> X: array<elem>;
@group(0) @binding(2) var<storage, read> Wt: array<elem>;
@group(0) @binding(2) var<storage, read> Wt4: array<elem4>;

// Input value i and weight vec4 i in f32.
fn x_at(i: u32) -> f32 { return f32(X[i]); }
fn w_at(i: u32) -> f32 { return f32(Wt[i]); }
fn w4_at(i: u32) -> vec4f { return vec4f(Wt4[i]); }

// Output pixel m's top-left input coordinate (maybe in the padding) and n * H for its image n.
struct Origin { ih: i32, iw: i32, nh: u32 }

fn origin(m: u32) -> Origin {
  let plane = p.OH * p.OW;
  let r = m % plane;
  return Origin(i32((r / p.OW) * p.stride) - i32(p.pad), i32((r % p.OW) * p.stride) - i32(p.pad), (m / plane) * p.H);
}

// Whether tap (kh, kw) of a pixel falls inside the image, and the offset of its channel 0 (0 outside).
struct Tap { inside: bool, offset: u32 }

fn tap(o: Origin, kh: u32, kw: u32) -> Tap {
  let ih = o.ih + i32(kh);
  let iw = o.iw + i32(kw);
  let inside = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
  return Tap(inside, select(0u, ((o.nh + u32(ih)) * p.W + u32(iw)) * p.C, inside));
}
