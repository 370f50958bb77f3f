// node dist/convert-weights.js IN OUT.safetensors [--architecture resnet50]
// Converts a torchvision checkpoint (.pth, or .safetensors) into our safetensors weights.
import { basename } from 'node:path';
import { convertWeights } from '../weights/convert.js';
import { UsageError, parseCli, runCli } from './run.js';

const USAGE = 'usage: node dist/convert-weights.js IN.pth|IN.safetensors OUT.safetensors [--architecture resnet50]';

runCli(async () => {
  const { values, positionals } = parseCli(USAGE, { architecture: { type: 'string' } });
  if (positionals.length !== 2) throw new UsageError(USAGE);
  const [input, output] = positionals;
  if (!output.endsWith('.safetensors')) throw new UsageError(`${output}: the output must be a .safetensors file`);
  const result = convertWeights(input, output, { architecture: values.architecture as string | undefined, sourceName: basename(input) });
  console.log(`${output}: ${result.architecture}, ${result.tensors} tensors, ${result.classifier ? 'with' : 'without'} the ImageNet classifier (source sha256 ${result.sourceSha256.slice(0, 12)}...)`);
});
