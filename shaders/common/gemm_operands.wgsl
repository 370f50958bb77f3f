// GEMM C_z[M,N] = A_z(m,k)·B_z(k,n): the uniforms (GemmParams, declared by src/kernels/gemm.ts)
// and the operand bindings shared by every GEMM variant. Strides make either operand
// transposable for free, and batch strides give problem z (workgroup_id.z, where a variant
// batches): A(m,k) = A[z*a_batch + m*a_row + k*a_col], B(k,n) = B[z*b_batch + k*b_row + n*b_col],
// C_z at Y[z*c_batch + m*N + n] through the epilogue (common/epilogue.wgsl).

@group(0) @binding(0) var<uniform> p: GemmParams;
// A and B are stored as `elem` (f32 or f16, aliased by the launcher) and loaded into f32.
@group(0) @binding(1) var<storage, read> A: array<elem>;
@group(0) @binding(2) var<storage, read> B: array<elem>;
@group(0) @binding(2) var<storage, read> B4: array<elem4>;
