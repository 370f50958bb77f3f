// Helpers shared by the Node benchmarks: arguments, tables, JSON output.
import { writeFileAtomic } from '../src/files.js';
import { UsageError, runCli } from '../src/cli/run.js';
import type { Gpu } from '../src/gpu/context.js';
import { adapterIdentity } from '../src/gpu/device.js';

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
  return { adapter: adapterIdentity(gpu.adapter), date: new Date().toISOString(), command: `node dist/${script} ${process.argv.slice(2).join(' ')}`.trim() };
}
