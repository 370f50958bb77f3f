// Small helpers shared by the benchmarks: arguments, deterministic data, tables, JSON output.
import { writeFileAtomic } from '../src/files.js';
import { UsageError, runCli } from '../src/cli/run.js';
import type { Gpu } from '../src/gpu/context.js';

export interface Args { options: Record<string, string>; flags: Set<string>; positional: string[] }

export function parseArgs(argv: string[], valued: string[], flags: string[]): Args {
  const out: Args = { options: {}, flags: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { out.positional.push(a); continue; }
    const name = a.slice(2);
    if (flags.includes(name)) out.flags.add(name);
    else if (valued.includes(name)) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      out.options[name] = argv[++i];
    } else throw new UsageError(`unknown option ${a}`);
  }
  return out;
}

/** Runs a benchmark's main like our CLIs: one-line errors, exit 2 for bad arguments, explicit exit. */
export function runBench(main: (args: Args) => Promise<void>, valued: string[], flags: string[]): void {
  runCli(() => main(parseArgs(process.argv.slice(2), valued, flags)));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Deterministic uniform data in [-scale, scale). */
export function randomData(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Writes JSON through a temporary file and a rename, so no half-written file is left. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** The fields every results file opens with: the adapter, the time and the command that ran. */
export function resultsHeader(gpu: Gpu, script: string): { adapter: { vendor: string; architecture: string; description: string }; date: string; command: string } {
  const { vendor, architecture, description } = gpu.adapter;
  return { adapter: { vendor, architecture, description }, date: new Date().toISOString(), command: `node dist/${script} ${process.argv.slice(2).join(' ')}`.trim() };
}
