// Helpers shared by the kernel launchers: variants, placeholders, shape checks, launch grids.
import type { Dispatch, Gpu } from '../gpu/context.js';
import type { PipelineSpec } from '../gpu/pipelines.js';
import type { StructLayout, WgslType } from '../gpu/layout.js';
import { type Precision, type WgslSource, withStructs } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';

/**
 * 'register': CPU-shaped (lavapipe), no workgroup memory. 'broadcast': CPU-shaped with larger
 * register tiles whose input values are loaded once per subgroup lane and shared by
 * subgroupBroadcast (needs subgroups of 8 or 16 lanes). 'tiled': GPU-shaped,
 * workgroup-memory tiles.
 */
export type Variant = 'register' | 'broadcast' | 'tiled';
export const KERNEL_VARIANTS: readonly Variant[] = ['register', 'broadcast', 'tiled'];

/** Whether the adapter can run a variant: 'broadcast' needs subgroups of exactly 8 or 16 lanes. */
export function supportsVariant(gpu: Gpu, variant: Variant): boolean {
  const { subgroupMinSize: min, subgroupMaxSize: max } = gpu.adapter;
  return variant !== 'broadcast' || (min >= 8 && (max === 8 || max === 16));
}

/**
 * Workgroup size of the 'broadcast' kernels for `columns` vec4-pair columns: whole subgroups,
 * 8 lanes where 8 suffice and the subgroups are that small, else 16.
 */
export function broadcastWorkgroup(gpu: Gpu, columns: number): number {
  return columns <= 8 && gpu.adapter.subgroupMaxSize === 8 ? 8 : 16;
}

export function defaultVariant(gpu: Gpu): Variant {
  if (!gpu.adapter.isCpu) return 'tiled';
  return supportsVariant(gpu, 'broadcast') ? 'broadcast' : 'register';
}

/**
 * The one variant chooser of every launcher: the requested variant (else the adapter's
 * default), or 'register' where the launcher says that variant does not take this problem
 * (`fits[variant] === false`: broadcast kernels need vec4 columns, some families have no
 * tiled kernel). Throws where the adapter cannot run the requested variant.
 */
export function chooseVariant(
  gpu: Gpu,
  kernel: string,
  requested: Variant | undefined,
  fits: Partial<Record<Variant, boolean>> = {},
): Variant {
  const variant = requested ?? defaultVariant(gpu);
  if (!supportsVariant(gpu, variant))
    throw new Error(`${kernel}: the '${variant}' variant needs subgroups of 8 or 16 lanes`);
  return fits[variant] === false ? 'register' : variant;
}

/**
 * Workgroups a 128x128-tiled GEMM or conv must have for that tile to be its default. On an
 * H200 at batch 32 the 128 tile was as fast or faster on every ResNet-50 conv, down to grids of
 * 52 workgroups and 64 output channels (half of each tile idle); far smaller grids leave most
 * of a large GPU's multiprocessors idle, where the 64 tile's four times as many keep more busy.
 */
export const TILE128_MIN_WORKGROUPS = 32;

/** Whether an output of rows x columns gives 128x128 tiles enough workgroups to be the default. */
export function tile128Fills(rows: number, columns: number): boolean {
  return Math.ceil(rows / 128) * Math.ceil(columns / 128) >= TILE128_MIN_WORKGROUPS;
}

/**
 * Compute units assumed of a GPU adapter, which WebGPU does not report: the 132
 * multiprocessors of an H100 or H200, the largest GPUs this project targets (on a smaller GPU
 * a split grid still fills it, at the price of one small extra pass).
 */
export const GPU_COMPUTE_UNITS = 132;

/** Reduction steps each split of a split-K launch keeps at least (enough to amortise its tile loads). */
const MIN_SPLIT_STEPS = 8;
const MAX_SPLITS = 16;

/**
 * How many ways to split the reduction of a tiled launch of `workgroups` workgroups and
 * `steps` reduction steps: on a GPU, the smallest power of two that brings the grid to two
 * workgroups per compute unit, as far as every split keeps MIN_SPLIT_STEPS steps; 1 on CPU
 * adapters (a few threads, filled by any grid) or when `gpu.splitK` is off.
 */
export function splitKFor(gpu: Gpu, workgroups: number, steps: number): number {
  if (gpu.adapter.isCpu || !gpu.splitK) return 1;
  const target = 2 * GPU_COMPUTE_UNITS;
  let splits = 1;
  while (workgroups * splits < target && splits < MAX_SPLITS && steps / (splits * 2) >= MIN_SPLIT_STEPS) splits *= 2;
  return splits;
}

/** The fields that conv and pooling uniforms share: an NHWC input, its output size and the window. */
export const WINDOW_FIELDS = {
  N: 'u32',
  H: 'u32',
  W: 'u32',
  C: 'u32',
  OH: 'u32',
  OW: 'u32',
  KH: 'u32',
  KW: 'u32',
  stride: 'u32',
  pad: 'u32',
} as const;

/**
 * Launch of the 'register' kernels: 8 output columns per invocation in workgroups of WG lanes
 * (narrow outputs get narrow workgroups instead of idle lanes), 8 rows per workgroup.
 */
export function registerGrid(
  gpu: Gpu,
  rows: number,
  columns: number,
): { wg: number; workgroups: [number, number, number] } {
  const wg = Math.min(16, Math.max(1, Math.ceil(columns / 8)));
  return { wg, workgroups: rowBlocks(gpu, Math.ceil(columns / (8 * wg)), Math.ceil(rows / 8)) };
}

/** A 'register' kernel over `rows` x `columns` outputs, launched by registerGrid (WG set here). */
export async function launchRegister(
  gpu: Gpu,
  k: Omit<Dispatch, 'pipeline' | 'workgroups'> & {
    code: WgslSource;
    entryPoint: string;
    constants: Record<string, number>;
    rows: number;
    columns: number;
  },
): Promise<void> {
  const { wg, workgroups } = registerGrid(gpu, k.rows, k.columns);
  await launch(gpu, { ...k, constants: { ...k.constants, WG: wg }, workgroups });
}

/**
 * A kernel's pipeline for gpu.dispatch: while recording, the compile in flight (Gpu.record
 * waits for all of a recording's pipelines at its end, so they compile in parallel); otherwise
 * the compiled pipeline. Wrapped, since an async function's result cannot be a promise.
 */
export async function pipelineFor(gpu: Gpu, spec: PipelineSpec): Promise<{ pipeline: Dispatch['pipeline'] }> {
  const pipeline = gpu.pipeline(spec);
  return { pipeline: gpu.recording ? pipeline : await pipeline };
}

/** Compiles (or finds) a kernel's pipeline and records one dispatch of it. */
export async function launch(
  gpu: Gpu,
  k: Omit<Dispatch, 'pipeline'> & { code: WgslSource; entryPoint: string; constants?: Record<string, number> },
): Promise<void> {
  const { pipeline } = await pipelineFor(gpu, {
    kernel: k.kernel,
    code: k.code,
    entryPoint: k.entryPoint,
    constants: k.constants,
  });
  gpu.dispatch({ kernel: k.kernel, pipeline, params: k.params, buffers: k.buffers, workgroups: k.workgroups });
}

/** Pipeline constants of the fused epilogue (shaders/common/epilogue.wgsl). */
export function epilogueConstants(o: { bias?: unknown; residual?: unknown; relu?: boolean }): Record<string, number> {
  return { HAS_BIAS: o.bias ? 1 : 0, HAS_RESIDUAL: o.residual ? 1 : 0, RELU: o.relu ? 1 : 0 };
}

/** A 4-element placeholder for optional bindings a variant does not read. */
export function placeholder(gpu: Gpu): Tensor {
  return gpu.placeholder;
}

/** A launcher's shader composed at each storage precision (f16 compiles only where the device has shader-f16). */
export function atPrecisions(
  source: WgslSource,
  structs: readonly StructLayout<Record<string, WgslType>>[],
): Record<Precision, WgslSource> {
  return { f32: withStructs(source, structs, 'f32'), f16: withStructs(source, structs, 'f16') };
}

/**
 * The storage precision of a kernel's activations and weights: every tensor given f32, or
 * every one f16 (on a device with shader-f16); throws naming the odd one out.
 */
export function storagePrecision(kernel: string, tensors: Record<string, Tensor | undefined>): Precision {
  const given = Object.entries(tensors).filter((e): e is [string, Tensor] => e[1] !== undefined);
  const precision = given[0][1].dtype;
  if (precision !== 'f32' && precision !== 'f16')
    throw new Error(`${kernel}: ${given[0][0]} is ${precision}, not f32 or f16`);
  const odd = given.find(([, t]) => t.dtype !== precision);
  if (odd) throw new Error(`${kernel}: ${odd[0]} is ${odd[1].dtype} but ${given[0][0]} is ${precision}`);
  return precision;
}

/** Throws unless `t` holds `dtype` values. */
export function expectDtype(kernel: string, what: string, t: Tensor, dtype: Tensor['dtype']): void {
  if (t.dtype !== dtype) throw new Error(`${kernel}: ${what} is ${t.dtype}, expected ${dtype}`);
}

export function expectShape(kernel: string, what: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${kernel}: ${what} has shape [${t.shape}], expected [${shape}]`);
  }
}

/**
 * Launch shape for one-invocation-per-element kernels with @workgroup_size(64): the flat
 * index is g.x + g.y * rowPitch, split over x and y to respect the per-dimension limit.
 */
export function elementwiseGrid(gpu: Gpu, elements: number): { workgroups: [number, number]; rowPitch: number } {
  const workgroups = gpu.grid(Math.ceil(elements / 64));
  return { workgroups, rowPitch: workgroups[0] * 64 };
}

/** Workgroup counts [x, y, z] where y*z row blocks respect the per-dimension limit. */
export function rowBlocks(gpu: Gpu, x: number, blocks: number): [number, number, number] {
  const max = gpu.limits.maxComputeWorkgroupsPerDimension;
  if (x > max) throw new Error(`dispatch of ${x} column blocks exceeds maxComputeWorkgroupsPerDimension ${max}`);
  const z = Math.ceil(blocks / max);
  return [x, Math.ceil(blocks / z), z];
}
