// Helpers shared by the kernel launchers.
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';

/**
 * 'register': CPU-shaped (lavapipe), no workgroup memory. 'broadcast': CPU-shaped with larger
 * register tiles whose input values are loaded once per subgroup lane and shared by
 * subgroupBroadcast (needs subgroups of 8 or 16 lanes). 'tiled': GPU-shaped,
 * workgroup-memory tiles.
 */
export type Variant = 'register' | 'broadcast' | 'tiled';
export const VARIANTS: readonly Variant[] = ['register', 'broadcast', 'tiled'];

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

/** Packs a uniform block of 32-bit fields (u32 unless listed in `floats`), padded to 16 bytes. */
export function packParams(fields: Record<string, number>, floats: readonly string[] = []): ArrayBuffer {
  const names = Object.keys(fields);
  const buffer = new ArrayBuffer(Math.ceil(Math.max(names.length, 1) / 4) * 16);
  const u32 = new Uint32Array(buffer);
  const f32 = new Float32Array(buffer);
  names.forEach((name, i) => {
    const v = fields[name];
    if (floats.includes(name)) f32[i] = v;
    else {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`param ${name}=${v} is not a u32`);
      u32[i] = v;
    }
  });
  return buffer;
}

/** A 1-element placeholder for optional bindings a variant does not read. */
const placeholders = new WeakMap<Gpu, Tensor>();
export function placeholder(gpu: Gpu): Tensor {
  let t = placeholders.get(gpu);
  if (!t) {
    t = gpu.upload(new Float32Array(4), [4], 'placeholder');
    placeholders.set(gpu, t);
  }
  return t;
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
