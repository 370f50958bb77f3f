// node dist/convert-weights.js IN OUT.safetensors (see --help).
// Converts a torchvision checkpoint (.pth, or .safetensors) or a Keras ResNet-50 .h5 into our safetensors weights.
import { basename } from 'node:path';
import { convertWeights } from '../api/weights.node.js';
import { RESNETS } from '../index.js';
import { UsageError, parseCommand } from './args.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/convert-weights.js',
  summary:
    'Converts a torchvision checkpoint (.pth, or .safetensors) or a Keras ResNet-50 weight file (.h5, ' +
    "keras-applications' or tf.keras's layer names) into our safetensors weight format, checking every tensor " +
    'against the architecture; the output declares its architecture and preprocessing.',
  positionals: { name: 'IN.pth|IN.safetensors|IN.h5 OUT.safetensors', min: 2, max: 2 },
  options: {
    architecture: {
      type: 'choice',
      choices: Object.keys(RESNETS),
      description: 'the architecture (default: recognised from the tensors)',
    },
  },
} as const;

runCli(async () => {
  const { values, positionals } = parseCommand(COMMAND);
  const [input, output] = positionals;
  if (!output.endsWith('.safetensors')) throw new UsageError(`${output}: the output must be a .safetensors file`);
  const result = convertWeights(input, output, { architecture: values.architecture, sourceName: basename(input) });
  console.log(
    `${output}: ${result.architecture}, ${result.tensors} tensors, ${result.classifier ? 'with' : 'without'} ` +
      `the ImageNet classifier (source sha256 ${result.sourceSha256.slice(0, 12)}...)`,
  );
});
