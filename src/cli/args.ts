// The one argument parser of every CLI and benchmark: options declared once with their type
// and a description, values typed from that declaration (no casts), bad arguments as a
// one-line UsageError, and `--help` printing the usage line and every option.
import { parseArgs } from 'node:util';
import { InputError } from '../errors.js';

/** An error in what the user gave us: printed as one line, exit code 2. */
export class UsageError extends InputError {}

export type OptionSpec =
  | { type: 'string'; description: string; value?: string; default?: string }
  | { type: 'choice'; choices: readonly string[]; description: string; default?: string }
  | {
      type: 'integer' | 'number';
      description: string;
      value?: string;
      default?: number;
      min?: number;
      above?: number;
      below?: number;
      /** Comma-separated values (a sweep): the value is an array. */
      list?: true;
    }
  | { type: 'flag'; description: string };

type ValueOf<S> = S extends { type: 'flag' }
  ? boolean
  : S extends { type: 'choice'; choices: readonly (infer C)[] }
    ? S extends { default: string }
      ? C
      : C | undefined
    : S extends { type: 'integer' | 'number'; list: true }
      ? number[] | undefined
      : S extends { type: 'integer' | 'number' }
        ? S extends { default: number }
          ? number
          : number | undefined
        : S extends { default: string }
          ? string
          : string | undefined;

export type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]: ValueOf<O[K]> };

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** How it is run, e.g. `node dist/train.js`. */
  command: string;
  /** One or two sentences: what the command does. */
  summary: string;
  /** Positional arguments: their name in the usage line and how many are allowed. */
  positionals?: { name: string; min?: number; max?: number };
  options: O;
}

const placeholder = (s: OptionSpec) =>
  s.type === 'flag'
    ? ''
    : s.type === 'choice'
      ? ` ${s.choices.join('|')}`
      : ` ${s.value ?? (s.type === 'string' ? 'TEXT' : 'N')}${'list' in s && s.list ? '[,...]' : ''}`;

/**
 * How the user runs a tool: `npx webgpu-transfer TOOL` through the package's command (which sets
 * WEBGPU_TRANSFER_BIN), else `node dist/TOOL.js` as in a clone.
 */
export function commandName(tool: string): string {
  return process.env.WEBGPU_TRANSFER_BIN ? `npx webgpu-transfer ${tool}` : `node dist/${tool}.js`;
}

function helpText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
  const command = spec.command.replace(/^node dist\/([\w-]+)\.js/, (_, tool: string) => commandName(tool));
  const pos = spec.positionals ? ` ${spec.positionals.name}` : '';
  const rows = Object.entries(spec.options).map(([name, s]) => {
    const def = 'default' in s && s.default !== undefined ? ` (default: ${s.default})` : '';
    return [`--${name}${placeholder(s)}`, `${s.description}${def}`];
  });
  rows.push(['--help', 'print this help and exit']);
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `usage: ${command} [options]${pos}`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ].join('\n');
}

function convert(name: string, s: OptionSpec, raw: string | boolean | undefined): unknown {
  if (s.type === 'flag') return raw === true;
  if (raw === undefined) return 'default' in s ? s.default : undefined;
  const text = String(raw);
  if (s.type === 'string') return text;
  if (s.type === 'choice') {
    if (!s.choices.includes(text)) throw new UsageError(`--${name}: '${text}' is not one of ${s.choices.join(', ')}`);
    return text;
  }
  if (s.list) return text.split(',').map((item) => toNumber(name, s, item.trim()));
  return toNumber(name, s, text);
}

function toNumber(name: string, s: OptionSpec & { type: 'integer' | 'number' }, text: string): number {
  const n = Number(text);
  // Decimal notation only: Number() would also take '0x2', '0b1' and ' 2 '.
  const decimal = s.type === 'integer' ? /^[-+]?\d+$/ : /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
  const ok =
    decimal.test(text) &&
    Number.isFinite(n) &&
    (s.type === 'number' || Number.isInteger(n)) &&
    (s.min === undefined || n >= s.min) &&
    (s.above === undefined || n > s.above) &&
    (s.below === undefined || n < s.below);
  if (!ok) {
    const bounds = [
      s.min !== undefined ? ` >= ${s.min}` : '',
      s.above !== undefined ? ` > ${s.above}` : '',
      s.below !== undefined ? ` < ${s.below}` : '',
    ]
      .filter(Boolean)
      .join(' and');
    throw new UsageError(
      `--${name}: '${text}' is not a valid value (${s.type === 'integer' ? 'an integer' : 'a number'}${bounds})`,
    );
  }
  return n;
}

/** Parses argv against the declaration; `--help` prints the help and exits 0. */
export function parseCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): { values: Values<O>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, s]) => [
      name,
      { type: s.type === 'flag' ? 'boolean' : 'string' } as const,
    ]),
  );
  // A value that starts with a dash and reads as a number (--lr -1, --seed -3) is the option's
  // value, not an option: node:util would call it ambiguous; the range checks then judge it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([\w-]+)$/.exec(argv[i])?.[1];
    const s = name !== undefined ? spec.options[name] : undefined;
    if (s && s.type !== 'flag' && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1]))
      args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // node:util's messages run to several sentences; the first names the problem.
    const message = (e as Error).message
      .split(/\.\s/)[0]
      .replace(/^Unknown option '(.*)'$/, 'unknown option $1')
      .replace(/^Option '(--[\w-]+).*' argument missing$/, '$1 needs a value')
      .replace(
        /^Option '(--[\w-]+)' argument is ambiguous$/,
        "$1: its value starts with '-' (write $1=VALUE if it is one)",
      );
    throw new UsageError(`${message} (see --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${helpText(spec)}\n`);
    process.exit(0);
  }
  const values = Object.fromEntries(
    Object.entries(spec.options).map(([name, s]) => [
      name,
      convert(name, s, parsed.values[name] as string | boolean | undefined),
    ]),
  ) as Values<O>;
  const positionals = parsed.positionals;
  const p = spec.positionals;
  if (!p && positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (see --help)`);
  if (p && positionals.length < (p.min ?? 0))
    throw new UsageError(
      `${p.name}: ${positionals.length ? `${positionals.length} given, need ${p.min}` : 'none given'} (see --help)`,
    );
  if (p && p.max !== undefined && positionals.length > p.max)
    throw new UsageError(`${p.name}: ${positionals.length} given, at most ${p.max} (see --help)`);
  return { values, positionals };
}

/** A required option's value, or a UsageError naming it. */
export function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`--${name} is required (see --help)`);
  return value;
}
