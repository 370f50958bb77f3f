// Test helpers: a seeded generator (seed printed on failure), poisoned outputs, one GPU per file.
import { afterAll, beforeAll } from 'vitest';
import { seededRandom } from '../src/data/augment.js';
import { Gpu } from '../src/gpu/context.js';
import type { Tensor } from '../src/gpu/tensor.js';

export const SEED = Number(process.env.TEST_SEED ?? (Date.now() % 2 ** 31));

/** The project's seeded generator (Mulberry32), seeded from TEST_SEED by default. */
export function rng(seed = SEED): () => number {
  return seededRandom(seed);
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
