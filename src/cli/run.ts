// What every CLI shares besides its arguments (args.ts): one-line errors without stack traces
// (exit 2 for bad input), an explicit exit so dawn.node cannot keep Node alive, and SIGINT and
// SIGTERM turned into an orderly exit, so that the exit handlers run (model folder locks are
// released there; writes are synchronous, so a signal never lands in the middle of one).
import { InputError } from '../errors.js';

export { UsageError } from './args.js';

/** What a stop by a signal leaves, for its last line (a command sets it once it knows). */
let stopNote: (signal: string) => string = (signal) => `error: stopped by ${signal}`;

/** Sets the line a stop by SIGINT or SIGTERM prints (e.g. which epoch the model folder holds). */
export function setStopNote(note: (signal: string) => string): void {
  stopNote = note;
}

export function runCli(main: () => Promise<void>, cleanup?: () => void): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      try {
        cleanup?.();
      } catch {
        // stopping is what matters now
      }
      process.stderr.write(`\n${stopNote(signal)}\n`);
      process.exit(code);
    });
  }
  Promise.resolve()
    .then(main) // a synchronous throw in main is reported like a rejection
    .then(() => {
      cleanup?.();
      // A command that finished but had failures to report sets process.exitCode.
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    })
    .catch((e: unknown) => {
      try {
        cleanup?.();
      } catch {
        // the original error is the one to report
      }
      const error = e instanceof Error ? e : new Error(String(e));
      const input = error instanceof InputError;
      // One line: the first of the message (GPU validation messages run to several).
      process.stderr.write(`error: ${error.message.split('\n')[0]}\n`);
      if (!input && process.env.DEBUG) process.stderr.write(`${error.stack}\n`);
      process.exit(input ? 2 : 1);
    });
}
