// Helpers shared by the Node benchmarks: running one with its arguments, tables, JSON output.
import { writeFileAtomic } from '../src/files.node.js';
import { type CommandSpec, type OptionSpec, type Values, parseCommand } from '../src/cli/args.js';
import { runCli } from '../src/cli/run.js';
import type { Gpu } from '../src/gpu/context.js';
import { adapterIdentity } from '../src/gpu/device.js';

/**
 * Runs a benchmark's main like our CLIs: its options declared once (src/cli/args.ts), --help,
 * one-line errors, exit 2 for bad arguments, explicit exit.
 */
export function runBench<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  main: (values: Values<O>) => Promise<void>,
): void {
  runCli(() => main(parseCommand(spec).values));
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Writes JSON through a temporary file and a rename, so no half-written file is left. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** The fields every results file opens with: the adapter, the time and the command that ran. */
export function resultsHeader(
  gpu: Gpu,
  script: string,
): { adapter: { vendor: string; architecture: string; description: string }; date: string; command: string } {
  return {
    adapter: adapterIdentity(gpu.adapter),
    date: new Date().toISOString(),
    command: `node dist/${script} ${process.argv.slice(2).join(' ')}`.trim(),
  };
}
