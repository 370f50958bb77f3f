// Checks a tensor map against an architecture's parameter list, naming every problem.
import { type TensorMap, isFloat } from '../weights/host-tensor.js';
import { WeightFileError } from '../weights/safetensors.js';
import { type Plan, parameterShapes } from './architecture.js';

const list = (names: string[], max = 6) =>
  names.slice(0, max).join(', ') + (names.length > max ? `, ... (${names.length} in all)` : '');

/** Returns whether the ImageNet classifier (fc) is present; throws listing what is missing or wrong. */
export function validateWeights(tensors: TensorMap, plan: Plan, file: string): { classifier: boolean } {
  const classifier = tensors.has('fc.weight') || tensors.has('fc.bias');
  const expected = parameterShapes(plan, classifier);
  const problems: string[] = [];
  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  if (missing.length)
    problems.push(`missing ${missing.length} tensor${missing.length > 1 ? 's' : ''}: ${list(missing)}`);
  const wrong: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) continue;
    if (!isFloat(t.dtype)) wrong.push(`${name} has dtype ${t.dtype}, expected a float type`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      wrong.push(`${name} has shape [${t.shape}], expected [${shape}]`);
  }
  if (wrong.length) problems.push(list(wrong, 4));
  const unexpected = [...tensors.keys()].filter((n) => !expected.has(n) && !n.endsWith('num_batches_tracked'));
  if (unexpected.length)
    problems.push(`${unexpected.length} unexpected tensor${unexpected.length > 1 ? 's' : ''}: ${list(unexpected)}`);
  if (problems.length) throw new WeightFileError(`${file}: not ${plan.spec.name} weights: ${problems.join('; ')}`);
  return { classifier };
}
