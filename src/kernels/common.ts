// Helpers shared by the kernel launchers.
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';

/** 'register': CPU-shaped (lavapipe), no workgroup memory. 'tiled': GPU-shaped, workgroup-memory tiles. */
export type Variant = 'register' | 'tiled';
export const VARIANTS: readonly Variant[] = ['register', 'tiled'];

export function defaultVariant(gpu: Gpu): Variant {
  return gpu.adapter.isCpu ? 'register' : 'tiled';
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
