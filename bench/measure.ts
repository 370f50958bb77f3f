// Measurement helpers with no Node APIs, shared by the Node benchmarks and the browser bench page.
import { randomArray, seededRandom } from '../src/util/random.js';

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Deterministic uniform data in [-scale, scale). */
export function randomData(n: number, seed: number, scale = 1): Float32Array {
  return randomArray(n, seededRandom(seed), scale);
}
