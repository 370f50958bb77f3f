// The one argument parser of the CLIs and benchmarks (src/cli/args.ts): typed values with
// defaults, decimal numbers only, choices, positional counts, one-line UsageErrors.
import { describe, expect, it } from 'vitest';
import { UsageError, parseCommand } from '../../src/cli/args.js';

const COMMAND = {
  command: 'node dist/tool.js',
  summary: 'A tool.',
  positionals: { name: 'FILE...', min: 1, max: 2 },
  options: {
    epochs: { type: 'integer', min: 1, default: 3, description: 'epochs' },
    lr: { type: 'number', above: 0, description: 'learning rate' },
    mode: { type: 'choice', choices: ['a', 'b'], default: 'a', description: 'mode' },
    out: { type: 'string', description: 'output' },
    quiet: { type: 'flag', description: 'less output' },
  },
} as const;

describe('parseCommand', () => {
  it('gives typed values with their defaults', () => {
    const { values, positionals } = parseCommand(COMMAND, ['f.jpg', '--lr', '1e-3', '--mode', 'b', '--quiet']);
    expect(values).toEqual({ epochs: 3, lr: 0.001, mode: 'b', out: undefined, quiet: true });
    expect(positionals).toEqual(['f.jpg']);
    const epochs: number = values.epochs; // typed without a cast
    const mode: 'a' | 'b' = values.mode;
    expect([epochs, mode]).toEqual([3, 'b']);
  });

  it('takes decimal numbers only, within their bounds', () => {
    for (const [flag, value] of [
      ['--epochs', '0x2'],
      ['--epochs', '2.5'],
      ['--epochs', '0'],
      ['--epochs', ' 2'],
      ['--epochs', ''],
      ['--lr', '0'],
      ['--lr', 'Infinity'],
      ['--lr', '0b1'],
    ]) {
      expect(() => parseCommand(COMMAND, ['f', flag, value]), `${flag} '${value}'`).toThrow(UsageError);
    }
    expect(parseCommand(COMMAND, ['f', '--epochs', '12', '--lr', '.5']).values).toMatchObject({ epochs: 12, lr: 0.5 });
  });

  it('refuses unknown options, bad choices and wrong positional counts in one line', () => {
    const message = (argv: string[]) => {
      try {
        parseCommand(COMMAND, argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(message(['f', '--fast'])).toBe('unknown option --fast (see --help)');
    expect(message(['f', '--out'])).toBe('--out needs a value (see --help)');
    expect(message(['f', '--mode', 'c'])).toBe("--mode: 'c' is not one of a, b");
    expect(message([])).toBe('FILE...: none given (see --help)');
    expect(message(['a', 'b', 'c'])).toBe('FILE...: 3 given, at most 2 (see --help)');
  });
});
