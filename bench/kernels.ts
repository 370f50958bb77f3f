// Kernel benchmark: GFLOP/s of GEMM 1024^3 and of every distinct ResNet-50 conv shape at
// batch 8, ours beside TensorFlow.js's WebGPU backend on the same adapter in the same run.
//   node dist/bench.js [options] (see --help)
// Times are wall-clock medians from dispatch to completion (GPU work awaited, no readback),
// after one warm-up run that also compiles the pipelines.
import { loadTfPeer } from './tf-peer.js';
import { Gpu } from '../src/gpu/context.js';
import type { Values } from '../src/cli/args.js';
import { KERNEL_VARIANTS, defaultVariant } from '../src/kernels/common.js';
import { TABLE_HEADER, cases, measureCase, tableRow } from './kernel-cases.js';
import { runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';

const COMMAND = {
  command: 'node dist/bench.js',
  summary:
    "GFLOP/s of a square GEMM and of every distinct ResNet-50 conv (the kernel catalogue's), ours beside " +
    "TensorFlow.js's WebGPU backend on the same adapter, with the outputs cross-checked.",
  options: {
    batch: { type: 'integer', min: 1, default: 8, description: 'images per conv' },
    gemm: { type: 'integer', min: 1, value: 'N', default: 1024, description: 'GEMM size N (N x N x N)' },
    runs: { type: 'integer', min: 1, default: 3, description: 'timed runs per case (the median is reported)' },
    variant: { type: 'choice', choices: KERNEL_VARIANTS, description: "kernel variant (default: the adapter's)" },
    tiles: { type: 'flag', description: "also time each conv at both tiles of the 'tiled' variant" },
    f16: {
      type: 'flag',
      description: "also time each case at f16 storage beside its f32 row (needs the adapter's shader-f16)",
    },
    only: { type: 'string', value: 'TEXT', description: 'run only the cases whose name contains TEXT' },
    'no-peer': { type: 'flag', description: 'skip TensorFlow.js' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  const gpu = await Gpu.create();
  const tf = v['no-peer'] ? null : await loadTfPeer();
  try {
    // Where f16 is missing the f32 figures still come (a GPU run's time is short).
    const f16 = v.f16 && gpu.hasF16;
    if (v.f16 && !f16) console.warn('warning: --f16: this adapter has no shader-f16; timing f32 only');
    const variant = v.variant ?? defaultVariant(gpu);
    const { runs, batch, gemm: gemmSize } = v;
    const results = [];
    const rows: string[][] = [];
    for (const c of cases(batch, variant, gemmSize, { tiles: v.tiles, f16 })) {
      if (v.only && !c.name.includes(v.only)) continue;
      const result = await measureCase(gpu, tf, c, runs);
      results.push(result);
      rows.push(tableRow(result));
      process.stderr.write(`${c.name} done\n`);
    }
    printTable(TABLE_HEADER, rows);
    if (v.json) {
      writeJsonAtomic(v.json, {
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

runBench(COMMAND, main);
