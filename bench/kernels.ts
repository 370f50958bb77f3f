// Kernel benchmark: GFLOP/s of GEMM 1024^3 and of every distinct ResNet-50 conv shape at
// batch 8, ours beside TensorFlow.js's WebGPU backend on the same adapter in the same run.
//   node dist/bench.js [--json FILE] [--runs N] [--batch N] [--gemm N] [--variant register|broadcast|tiled] [--only TEXT] [--no-peer]
// Times are wall-clock medians from dispatch to completion (GPU work awaited, no readback),
// after one warm-up run that also compiles the pipelines.
import { loadTfPeer } from './tf-peer.js';
import { Gpu } from '../src/gpu/context.js';
import { type Variant, VARIANTS, defaultVariant } from '../src/kernels/common.js';
import { UsageError } from '../src/cli/run.js';
import { TABLE_HEADER, cases, measureCase, tableRow } from './kernel-cases.js';
import { type Args, runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';

async function main(args: Args): Promise<void> {
  const gemmSize = Number(args.options.gemm ?? 1024); // 4096 for the H100 target
  if (!Number.isInteger(gemmSize) || gemmSize < 1) throw new UsageError(`--gemm: '${args.options.gemm}' is not a size`);
  const chosen = args.options.variant as Variant | undefined;
  if (chosen && !VARIANTS.includes(chosen)) throw new UsageError(`--variant: '${chosen}' is not one of ${VARIANTS.join(', ')}`);
  const gpu = await Gpu.create();
  const tf = args.flags.has('no-peer') ? null : await loadTfPeer();
  try {
    const variant = chosen ?? defaultVariant(gpu);
    const runs = Number(args.options.runs ?? 3);
    const batch = Number(args.options.batch ?? 8);
    const results = [];
    const rows: string[][] = [];
    for (const c of cases(batch, variant, gemmSize)) {
      if (args.options.only && !c.name.includes(args.options.only)) continue;
      const result = await measureCase(gpu, tf, c, runs);
      results.push(result);
      rows.push(tableRow(result));
      process.stderr.write(`${c.name} done\n`);
    }
    printTable(TABLE_HEADER, rows);
    if (args.options.json) {
      writeJsonAtomic(args.options.json, {
        ...resultsHeader(gpu, 'bench.js'),
        variant,
        batch,
        runs,
        results,
      });
    }
  } finally {
    tf?.dispose();
    gpu.destroy();
  }
}

runBench(main, ['json', 'runs', 'batch', 'variant', 'only', 'gemm'], ['no-peer']);
