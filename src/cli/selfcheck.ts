// node dist/selfcheck.js: is this adapter computing right? Every kernel variant it runs
// against the float64 CPU references on fresh random inputs (the quick cases of the kernel
// catalogue, src/check/cases.ts: ResNet-50 layer kinds at odd sizes, odd GEMMs), and the PyTorch
// goldens of test/fixtures/ (Adam, 20 head training steps, ResNet-50 at batch 1 and a split
// batch, 20 steps of the article's PyTorch loop with training-mode batchnorm): one line per
// check with its relative error and tolerance; exit 1 if any fails.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { type AdamGoldenCase, ResNetGolden } from '../check/goldens.js';
import { runSelfcheck } from '../check/selfcheck.js';
import { readBytes, writeFileAtomic } from '../files.node.js';
import { Gpu } from '../gpu/context.js';
import { adapterIdentity, adapterLabel } from '../gpu/device.js';
import { parseSafetensors } from '../weights/safetensors.js';
import { UsageError, parseCommand } from './args.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/selfcheck.js',
  summary:
    'Checks that this adapter computes right: every kernel variant it runs against the float64 references, and ' +
    'the PyTorch goldens (Adam, 20 head training steps, ResNet-50 at batch 1 and split, 20 steps of the ' +
    "article's PyTorch loop with training-mode batchnorm); a line per check, " +
    'exit 1 if any fails.',
  options: {
    fixtures: {
      type: 'string',
      value: 'DIR',
      description: 'folder of the PyTorch golden files (default: the fixtures/ that the build puts beside this script)',
    },
    'kernels-for': {
      type: 'choice',
      choices: ['gpu', 'cpu'],
      description: "run the kernel choices made for this kind of adapter (default: the adapter's own kind)",
    },
    json: { type: 'string', value: 'FILE', description: 'write every check with its error and tolerance as JSON' },
  },
} as const;

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v } = parseCommand(COMMAND);
    const kernelsFor = v['kernels-for'];
    const dir = v.fixtures ?? fileURLToPath(new URL('./fixtures/', import.meta.url));
    const fixture = (name: string) => readBytes(join(dir, name), UsageError);
    const resnetGolden = new ResNetGolden(
      parseSafetensors(fixture('resnet50-golden.safetensors'), join(dir, 'resnet50-golden.safetensors')),
    );
    const headGolden = parseSafetensors(fixture('head-golden.safetensors'), join(dir, 'head-golden.safetensors'));
    const adamGolden = JSON.parse(new TextDecoder().decode(fixture('adam-golden.json'))) as { cases: AdamGoldenCase[] };
    const recipeGolden = parseSafetensors(
      fixture('pytorch-recipe-golden.safetensors'),
      join(dir, 'pytorch-recipe-golden.safetensors'),
    );

    gpu = await Gpu.create({ kernelsFor });
    const g = gpu;
    const checks = await runSelfcheck(
      g,
      { resnet: resnetGolden, head: headGolden, adam: adamGolden, recipe: recipeGolden },
      (c) => {
        const error = c.error.toExponential(2);
        console.log(`${c.passed ? 'ok  ' : 'FAIL'}  ${c.name}: ${error} (tolerance ${c.tolerance.toExponential(0)})`);
      },
    );
    const failed = checks.filter((c) => !c.passed).length;
    const a = g.adapter;
    console.log(
      `${checks.length - failed} passed, ${failed} failed on ` +
        `${adapterLabel(a)}${kernelsFor ? ` (kernels for ${kernelsFor})` : ''}`,
    );
    if (v.json) {
      const results = {
        adapter: adapterIdentity(a),
        date: new Date().toISOString(),
        kernelsFor: kernelsFor ?? null,
        checks,
      };
      writeFileAtomic(v.json, `${JSON.stringify(results, null, 2)}\n`);
    }
    if (failed) throw new Error(`${failed} of ${checks.length} checks failed`);
  },
  () => gpu?.destroy(),
);
