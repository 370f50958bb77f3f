// node dist/import.js --torch FILE | --keras FILE [--architecture JSON] --classes A,B --out DIR:
// the article's saved models as model folders (see --help).
import { importKeras, importTorch } from '../export/import.node.js';
import { checkWritable } from '../files.node.js';
import { UsageError, parseCommand, required } from './args.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/import.js',
  summary:
    "Brings the article's saved models here, as a model folder that predict.js, evaluate.js, the library and the " +
    "training page use: the PyTorch state_dict of torch.save(model.state_dict(), 'weights.h5') (ResNet-50 with " +
    'fc = Sequential(Linear(2048, 128), ReLU, Linear(128, C)); its running statistics are kept), or the Keras ' +
    "model of model.save('model.h5'), or of model.save_weights('weights.h5') with model.to_json()'s file. " +
    'The backbone is written into the folder as backbone.safetensors.',
  options: {
    torch: { type: 'string', value: 'FILE', description: 'a torch.save state_dict (any name; .h5 included)' },
    keras: { type: 'string', value: 'FILE.h5', description: 'a Keras 2.2.2 model.save or save_weights file' },
    architecture: {
      type: 'string',
      value: 'FILE.json',
      description: "with a save_weights --keras file: model.to_json()'s text (architecture.json)",
    },
    classes: {
      type: 'string',
      value: 'A,B,...',
      description: "the class names, in the order of the head's outputs (required: neither file stores them)",
    },
    out: { type: 'string', value: 'DIR', description: 'the model folder to write (new, or empty) (required)' },
  },
} as const;

runCli(async () => {
  const { values: v } = parseCommand(COMMAND);
  const out = required('out', v.out);
  const classes = required('classes', v.classes)
    .split(',')
    .map((c) => c.trim());
  if (classes.some((c) => !c) || new Set(classes).size !== classes.length)
    throw new UsageError(`--classes ${v.classes}: give distinct, non-empty names separated by commas`);
  if ((v.torch === undefined) === (v.keras === undefined))
    throw new UsageError('give one of --torch FILE or --keras FILE (see --help)');
  if (v.architecture !== undefined && v.keras === undefined)
    throw new UsageError('--architecture describes a --keras save_weights file');
  checkWritable(out);
  const result = v.torch
    ? importTorch(v.torch, classes, out)
    : importKeras(v.keras!, v.architecture ?? null, classes, out);
  console.log(
    `${out}: the article's ${v.torch ? 'PyTorch' : 'Keras'} model, ${result.classes} classes (${classes.join(', ')})`,
  );
});
