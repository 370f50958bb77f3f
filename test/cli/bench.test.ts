// Every tool's arguments go through one parser (src/cli/args.ts): `--help` describes each
// option, and bad arguments end in one line, exit 2, no stack trace and no GPU work started.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_ENV } from '../support/tools.js';

const run = (entry: string, ...args: string[]) =>
  spawnSync(process.execPath, [entry, ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });

const TOOLS = [
  'train',
  'predict',
  'embed',
  'fetch-weights',
  'convert-weights',
  'selfcheck',
  'bench',
  'bench-resnet',
  'bench-train',
  'bench-precision',
];

describe('tool arguments', () => {
  for (const [entry, bad, message] of [
    ['dist/bench.js', ['--runs'], 'error: --runs needs a value (see --help)'],
    ['dist/bench.js', ['--gemm', 'x'], "error: --gemm: 'x' is not a valid value (an integer >= 1)"],
    ['dist/bench.js', ['--runs', '0x2'], "error: --runs: '0x2' is not a valid value (an integer >= 1)"],
    ['dist/bench.js', ['--batch', '2.5'], "error: --batch: '2.5' is not a valid value (an integer >= 1)"],
    ['dist/bench.js', ['--variant', 'fast'], "error: --variant: 'fast' is not one of register, broadcast, tiled"],
    ['dist/bench-resnet.js', ['--batches', '8,x'], "error: --batches: '8,x' is not a list of batch sizes"],
    ['dist/bench-train.js', ['--fast'], 'error: unknown option --fast (see --help)'],
    ['dist/bench-train.js', [], 'error: --data is required (see --help)'],
    ['dist/bench-precision.js', [], 'error: --data is required (see --help)'],
    ['dist/selfcheck.js', ['--kernels-for', 'tpu'], "error: --kernels-for: 'tpu' is not one of gpu, cpu"],
    [
      'dist/convert-weights.js',
      ['only-one.pth'],
      'error: IN.pth|IN.safetensors|IN.h5 OUT.safetensors: 1 given, need 2 (see --help)',
    ],
  ] as const) {
    it.skipIf(!existsSync(entry))(`${entry} ${bad.join(' ')}`, () => {
      const r = run(entry, ...bad);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(message);
    });
  }

  for (const tool of TOOLS) {
    const entry = `dist/${tool}.js`;
    it.skipIf(!existsSync(entry))(`${entry} --help describes every option`, () => {
      const r = run(entry, '--help');
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^usage: node dist/${tool}\\.js \\[options\\]`));
      const options = lines.slice(lines.indexOf('options:') + 1);
      expect(options.length).toBeGreaterThan(1);
      for (const line of options) expect(line).toMatch(/^ {2}--[\w-]+.*\S {2,}\S/);
    });
  }
});
