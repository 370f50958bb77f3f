// What every CLI shares besides its arguments (args.ts): one-line errors without stack traces
// (exit 2 for bad input), and an explicit exit so dawn.node cannot keep Node alive.
import { InputError } from '../errors.js';

export { UsageError } from './args.js';

export function runCli(main: () => Promise<void>, cleanup?: () => void): void {
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
