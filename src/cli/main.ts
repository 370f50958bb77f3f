// `webgpu-transfer COMMAND [OPTIONS]`: the package's one command (npx webgpu-transfer ...),
// each subcommand the bundle of the same name beside this one (node dist/COMMAND.js).
import { readFileSync } from 'node:fs';

const COMMANDS: Record<string, string> = {
  train: "train the head on a dataset folder (the article's job)",
  predict: 'class probabilities of images under a trained model',
  evaluate: 'accuracy, per-class metrics, confusion matrix and mistakes on labelled images',
  embed: 'ResNet features of images (or ImageNet logits), or of a dataset shard',
  export: "a trained model for PyTorch, Keras or ONNX Runtime (the article's own loading code works)",
  import: "the article's saved PyTorch or Keras model as a model folder",
  'convert-weights': 'a .pth or .h5 checkpoint to safetensors',
  'fetch-weights': 'download the pretrained backbone weights',
  selfcheck: 'is this adapter computing right? every kernel against float64 and PyTorch',
  serve: 'the training page in a browser, on http://localhost:8080/',
};

const [command, ...rest] = process.argv.slice(2);
if (command === '--version' || command === '-v') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  console.log(pkg.version);
} else if (!command || command === '--help' || command === '-h' || !(command in COMMANDS)) {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([c, what]) => `  ${c.padEnd(width)}  ${what}`);
  const out = command && !command.startsWith('-') && !(command in COMMANDS) ? process.stderr : process.stdout;
  if (out === process.stderr) out.write(`error: unknown command '${command}'\n`);
  const usage = 'usage: webgpu-transfer COMMAND [OPTIONS] (COMMAND --help for its options)';
  out.write(`${usage}\n\ncommands:\n${lines.join('\n')}\n`);
  process.exitCode = out === process.stderr ? 2 : 0;
} else {
  // The subcommand reads process.argv.slice(2) as if run as node dist/COMMAND.js.
  // A computed specifier, so the bundler leaves the sibling bundle to be loaded at run time.
  const bundle = new URL(`./${command}.js`, import.meta.url).href;
  process.argv = [process.argv[0], new URL(bundle).pathname, ...rest];
  // Help and messages then name the command the user has (args.ts's commandName).
  process.env.WEBGPU_TRANSFER_BIN = '1';
  await import(bundle);
}
