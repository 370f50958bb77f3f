// Test helpers: a seeded generator (seed printed on failure), poisoned outputs, one GPU per file.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { seededRandom } from '../../src/util/random.js';
import { Gpu } from '../../src/gpu/context.js';
import type { DeviceOptions } from '../../src/gpu/device.js';
import { type Variant, supportsVariant } from '../../src/kernels/common.js';

// In the browser run (vitest.browser.config.ts) there is no process; the seed comes through import.meta.env.
const env =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ??
  (import.meta as { env?: Record<string, string | undefined> }).env ??
  {};
export const SEED = Number(env.TEST_SEED ?? Date.now() % 2 ** 31);

/** In the browser project (headless Chromium), where SwiftShader takes seconds per ResNet-50 image. */
export const IN_BROWSER = typeof document !== 'undefined';

/** The project's seeded generator (Mulberry32), seeded from TEST_SEED by default. */
export function rng(seed = SEED): () => number {
  return seededRandom(seed);
}

export { randomArray } from '../../src/util/random.js';

/** An output tensor (f32 or f16) filled with NaN, so any element a kernel fails to write shows up. */
export { poisonedTensor as poisoned } from '../../src/check/kernels.js';

export const TOLERANCE = 1e-5;

/** Creates one device for the test file and destroys it afterwards. */
export function useGpu(options: DeviceOptions = {}): { gpu: Gpu } {
  const holder = {} as { gpu: Gpu };
  beforeAll(async () => {
    holder.gpu = await Gpu.create({ log: false, ...options });
  });
  afterAll(() => holder.gpu?.destroy());
  return holder;
}

export function seedNote(): string {
  return `TEST_SEED=${SEED}`;
}

/**
 * Skips the enclosing block's tests where the adapter cannot run `variant` (SwiftShader's
 * 4-lane subgroups and 'broadcast').
 */
export function skipUnsupported(ctx: { gpu: Gpu }, variant: Variant): void {
  beforeEach(({ skip }) => {
    if (!supportsVariant(ctx.gpu, variant)) skip(`${variant} is not supported by this adapter`);
  });
}

/** A committed fixture's bytes: read from disk under Node, fetched from vitest's server in the browser run. */
export async function fixture(name: string): Promise<Uint8Array> {
  // Through a variable: Vite rewrites new URL(`...${x}`, import.meta.url) into a one-level glob.
  const here = import.meta.url;
  const url = new URL(`../fixtures/${name}`, here);
  if (url.protocol === 'file:') {
    const fs = 'node:fs/promises'; // hidden from the browser bundler
    const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fixture ${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
