// Deterministic pseudo-random weights and inputs from a counter-based hash, so that a test
// (and tools/make-resnet-golden.py, which mirrors this in numpy) can rebuild a whole network
// without shipping it. Also the backbone of offline smoke runs (`--weights random:SEED`).
import { PREPROCESSING } from '../image/preprocess.js';
import { uniformStream } from '../util/random.js';
import { elementCount } from '../util/shapes.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { type Plan, parameterShapes } from './architecture.js';

/** Values of a parameter from its role: convs He-uniform, batchnorm statistics far from their defaults. */
function parameterValues(name: string, shape: number[], u: Float64Array): Float32Array {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  // A plain loop: Float32Array.from(u, fn) goes through the iterator protocol, 20x slower in V8.
  const f = (fn: (x: number) => number) => {
    const out = new Float32Array(u.length);
    for (let i = 0; i < u.length; i++) out[i] = fn(u[i]);
    return out;
  };
  if (name === 'fc.bias') return f((x) => 0.1 * (2 * x - 1));
  if (name === 'fc.weight') return f((x) => (2 * x - 1) / Math.sqrt(fanIn));
  if (name.endsWith('running_mean')) return f((x) => 0.1 * (2 * x - 1));
  if (name.endsWith('running_var')) return f((x) => 0.5 + x);
  if (shape.length === 1 && name.endsWith('.weight')) return f((x) => 0.2 + 0.6 * x);
  if (name.endsWith('.bias')) return f((x) => 0.2 * (2 * x - 1));
  return f((x) => (2 * x - 1) * Math.sqrt(6 / fanIn));
}

export function syntheticWeights(plan: Plan, seed: number, classifier: boolean): TensorMap {
  const out: TensorMap = new Map();
  let stream = 0;
  for (const [name, shape] of parameterShapes(plan, classifier)) {
    const count = elementCount(shape);
    out.set(name, {
      dtype: 'float32',
      shape,
      data: parameterValues(name, shape, uniformStream(seed, stream++, count)),
    });
  }
  return out;
}

/**
 * Normalized-looking NHWC inputs: noise with a per-image, per-channel contrast and offset (so
 * that images differ after global pooling), generated in NCHW order as PyTorch sees them.
 */
export function syntheticImages(seed: number, n: number, size: number = PREPROCESSING.size): Float32Array {
  const plane = size * size;
  const u = uniformStream(seed, 0xffff, n * 3 * plane);
  const v = uniformStream(seed, 0xfffe, n * 3 * 2);
  const out = new Float32Array(u.length);
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++) {
      const k = b * 3 + c;
      const scale = 0.25 + 1.75 * v[2 * k];
      const offset = 1.5 * (2 * v[2 * k + 1] - 1);
      for (let p = 0; p < plane; p++) out[(b * plane + p) * 3 + c] = scale * (2 * u[k * plane + p] - 1) + offset;
    }
  return out;
}
