// The checks of what callers give the library's API: an options object's keys against the
// ones it knows, and each argument's type, each refused with an OptionError that names the
// argument, what it takes and what it got (rather than JavaScript's own error further in).
import { OptionError } from '../errors.js';

/** What a value is, in a message: "a number (2)", "undefined", "an object". */
export function described(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  if (type === 'object')
    return (value as object).constructor?.name ? `a ${(value as object).constructor.name}` : 'an object';
  if (type === 'function') return 'a function';
  const shown = type === 'string' ? `'${String(value)}'` : String(value);
  return `a ${type} (${shown.slice(0, 40)})`;
}

/**
 * Refuses an options argument that is not a plain object, or that names an option not in
 * `known`; `hints` say where an unknown name belongs instead.
 */
export function checkOptions(
  where: string,
  options: unknown,
  known: readonly string[],
  hints: Record<string, string> = {},
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new OptionError(`${where}: options must be an object, not ${described(options)}`);
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const hint = hints[name] ? `; ${hints[name]}` : '';
    throw new OptionError(`${where}: unknown option '${name}'${hint} (options: ${known.join(', ')})`);
  }
}

/** Refuses an option that is set but is not a function. */
export function checkFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw new OptionError(`${where}: ${name} must be a function, not ${described(value)}`);
}

/** Whether a name has a URL's scheme (two or more letters before ':', so a Windows drive letter is a path). */
export const hasUrlScheme = (name: string) => /^[a-z][a-z\d+.-]+:/i.test(name);
