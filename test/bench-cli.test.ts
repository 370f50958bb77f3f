// The benchmark entry points treat bad arguments like our other CLIs: one line, exit 2, no
// stack trace, and no GPU work started.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const run = (entry: string, ...args: string[]) => spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });

describe('benchmark arguments', () => {
  for (const [entry, bad, message] of [
    ['dist/bench.js', ['--runs'], 'error: --runs needs a value'],
    ['dist/bench.js', ['--gemm', 'x'], "error: --gemm: 'x' is not a size"],
    ['dist/bench.js', ['--variant', 'fast'], "error: --variant: 'fast' is not one of register, broadcast, tiled"],
    ['dist/bench-resnet.js', ['--help'], 'error: unknown option --help'],
    ['dist/bench-train.js', ['--fast'], 'error: unknown option --fast'],
  ] as const) {
    it.skipIf(!existsSync(entry))(`${entry} ${bad.join(' ')}`, () => {
      const r = run(entry, ...bad);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(message);
    });
  }
});
