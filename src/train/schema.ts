// A small typed validator for the JSON we read back (model.json): each check returns the value
// with its type or throws naming the field, what it must be and what it was. Composed checks
// are typed against the interface they validate, so the schema and the type cannot drift.

export type Check<T> = (value: unknown, path: string) => T;

export class SchemaError extends Error {}

const shown = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

const fail = (path: string, what: string, value: unknown): never => {
  throw new SchemaError(`${path} must be ${what}, not ${shown(value)}`);
};

export const string =
  (o: { pattern?: RegExp; what?: string } = {}): Check<string> =>
  (v, path) =>
    typeof v === 'string' && (!o.pattern || o.pattern.test(v)) ? v : fail(path, o.what ?? 'a string', v);

export const boolean: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v));

/** A finite number within bounds; integers only with `integer`. */
export const number =
  (o: { integer?: boolean; min?: number; above?: number; max?: number; below?: number } = {}): Check<number> =>
  (v, path) => {
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!o.integer || Number.isInteger(v)) &&
      (o.min === undefined || v >= o.min) &&
      (o.above === undefined || v > o.above) &&
      (o.max === undefined || v <= o.max) &&
      (o.below === undefined || v < o.below);
    if (ok) return v;
    const bounds = [
      o.min !== undefined && `>= ${o.min}`,
      o.above !== undefined && `> ${o.above}`,
      o.max !== undefined && `<= ${o.max}`,
      o.below !== undefined && `< ${o.below}`,
    ].filter(Boolean);
    return fail(
      path,
      `${o.integer ? 'an integer' : 'a finite number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`,
      v,
    );
  };

export const oneOf =
  <const T extends string>(values: readonly T[]): Check<T> =>
  (v, path) =>
    values.includes(v as T) ? (v as T) : fail(path, `one of ${values.join(', ')}`, v);

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, path) =>
    v === null ? null : check(v, path);

/** A field older files may lack: absent reads as `fallback`. */
export const optional =
  <T>(check: Check<T>, fallback: T): Check<T> =>
  (v, path) =>
    v === undefined ? fallback : check(v, path);

export const array =
  <T>(item: Check<T>, o: { min?: number } = {}): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) return fail(path, 'a list', v);
    if (o.min !== undefined && v.length < o.min) return fail(path, `a list of at least ${o.min}`, v);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };

/** An object with exactly these fields (unknown ones are refused too: a typo is not ignored). */
export const object =
  <T extends object>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> =>
  (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'an object', v);
    const record = v as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => !(k in fields));
    if (unknown.length) throw new SchemaError(`${path} has an unknown field ${unknown[0]}`);
    const out = {} as T;
    for (const key of Object.keys(fields) as (keyof T & string)[]) {
      out[key] = fields[key](record[key], path ? `${path}.${key}` : key);
    }
    return out;
  };
