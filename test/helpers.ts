// Test helpers: a seeded generator (seed printed on failure), poisoned outputs, one GPU per file.
import { afterAll, beforeAll } from 'vitest';
import { Gpu } from '../src/gpu/context.js';
import type { Tensor } from '../src/gpu/tensor.js';

export const SEED = Number(process.env.TEST_SEED ?? (Date.now() % 2 ** 31));

/** Mulberry32: small, fast, good enough for test data. */
export function rng(seed = SEED): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, random: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * scale;
  return a;
}

/** An output tensor filled with NaN, so any element a kernel fails to write shows up. */
export function poisoned(gpu: Gpu, shape: readonly number[]): Tensor {
  const t = gpu.tensor(shape);
  t.write(new Float32Array(t.size).fill(NaN));
  return t;
}

export const TOLERANCE = 1e-5;

/** Creates one device for the test file and destroys it afterwards. */
export function useGpu(): { gpu: Gpu } {
  const holder = {} as { gpu: Gpu };
  beforeAll(async () => {
    holder.gpu = await Gpu.create({ log: false });
  });
  afterAll(() => holder.gpu?.destroy());
  return holder;
}

export function seedNote(): string {
  return `TEST_SEED=${SEED}`;
}
