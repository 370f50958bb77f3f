// What every CLI shares: argument parsing with a usage line, one-line errors without stack
// traces (exit 2 for bad input), and an explicit exit so dawn.node cannot keep Node alive.
import { InputError } from '../errors.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error in what the user gave us: printed as one line, exit code 2. */
export class UsageError extends InputError {}

export function parseCli<T extends ParseArgsConfig['options']>(usage: string, options: T, argv = process.argv.slice(2)) {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return parsed;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${usage}`);
  }
}

export function runCli(main: () => Promise<void>, cleanup?: () => void): void {
  Promise.resolve()
    .then(main) // a synchronous throw in main is reported like a rejection
    .then(() => {
      cleanup?.();
      process.exit(0);
    })
    .catch((e: unknown) => {
      try {
        cleanup?.();
      } catch {
        // the original error is the one to report
      }
      const error = e instanceof Error ? e : new Error(String(e));
      const input = error instanceof InputError;
      process.stderr.write(`error: ${error.message}\n`);
      if (!input && process.env.DEBUG) process.stderr.write(`${error.stack}\n`);
      process.exit(input ? 2 : 1);
    });
}

export function numberOption(name: string, value: string | undefined, fallback: number, check: (n: number) => boolean = Number.isFinite): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !check(n)) throw new UsageError(`--${name}: '${value}' is not a valid value`);
  return n;
}
