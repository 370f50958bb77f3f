// The project's seeded random numbers, one module for augmentation, head initialization,
// synthetic weights, tests, the self-check and the benchmarks: the same seed gives the same run.

/** Mulberry32: a small sequential generator of uniform [0, 1) numbers. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-scale, scale) from `random`. */
export function randomArray(n: number, random: () => number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (random() * 2 - 1) * scale;
  return a;
}

function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Counter-based uniform [0, 1) values of stream (seed, index): u_i = (hash32(i + key) >> 8) / 2^24.
 * Any value is computable alone, so tools/golden_common.py mirrors it in numpy to rebuild the
 * same synthetic networks and images.
 */
export function uniformStream(seed: number, stream: number, count: number): Float64Array {
  const key = hash32((Math.imul(seed, 0x9e3779b1) + stream) >>> 0);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = (hash32((i + key) >>> 0) >>> 8) / 16777216;
  return out;
}
