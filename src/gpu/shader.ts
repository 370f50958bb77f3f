// Shader sources: a `.wgsl` file with its #includes expanded (tools/wgsl-include.mjs) and the
// structs its launcher declares (layout.ts) appended, with a line map back to the files.
import type { StructLayout, WgslType } from './layout.js';

export interface WgslSource {
  /** The shader file, relative to the project root. */
  file: string;
  code: string;
  /** [first line, file, line in that file] for every run of lines taken from one file. */
  map: readonly (readonly [number, string, number])[];
}

/**
 * The storage type of a kernel's activations and weights: every value is loaded into f32 and
 * computed in f32 either way; f16 halves the bytes moved (and needs 'shader-f16').
 */
export type Precision = 'f32' | 'f16';
export const PRECISIONS: readonly Precision[] = ['f32', 'f16'];

/** The aliases shaders declare their stored values with, `elem` and `elem4`, at a precision. */
function precisionAliases(precision: Precision): string {
  return `alias elem = ${precision};\nalias elem4 = vec4<${precision}>;\n`;
}

/**
 * The shader with the launcher's struct declarations and the storage aliases of `precision`
 * appended (WGSL declarations may follow their use), so the struct a shader reads and the
 * packer its launcher writes are one thing; f16 puts `enable f16;` first.
 */
export function withStructs(
  source: WgslSource,
  structs: readonly StructLayout<Record<string, WgslType>>[],
  precision: Precision = 'f32',
): WgslSource {
  const own = source.code.match(/^\s*struct\s+(\w+)/gm)?.map((s) => s.trim().split(/\s+/)[1]) ?? [];
  const clash = structs.find((s) => own.includes(s.name));
  if (clash) throw new Error(`${source.file} declares struct ${clash.name} itself; its launcher declares it`);
  if (/^alias elem\b/m.test(source.code))
    throw new Error(`${source.file} is composed already (it has storage aliases)`);
  const directive = precision === 'f16' ? 'enable f16;\n' : '';
  const shift = directive ? 1 : 0;
  const map: (readonly [number, string, number])[] = source.map.map(([first, file, line]) => [
    first + shift,
    file,
    line,
  ]);
  if (directive) map.unshift([1, 'enable f16 (added by its launcher)', 1]);
  let code = directive + source.code;
  let line = code.split('\n').length;
  const appended = [
    ...structs.map((s) => [`struct ${s.name} (declared by its launcher)`, s.wgsl] as const),
    [`${precision} storage aliases (added by its launcher)`, precisionAliases(precision)] as const,
  ];
  for (const [what, text] of appended) {
    map.push([line, what, 1]);
    code += text;
    line += text.split('\n').length - 1;
  }
  return { file: source.file, code, map };
}

/** `file:line` of a line of the expanded shader. */
export function sourceLine(source: WgslSource, line: number): string {
  let at: readonly [number, string, number] | undefined;
  for (const entry of source.map) if (entry[0] <= line) at = entry;
  return at ? `${at[1]}:${at[2] + line - at[0]}` : `${source.file}:${line}`;
}

/** A shader given as text (no includes), named `file` in errors. */
export function inlineWgsl(code: string, file = 'inline.wgsl'): WgslSource {
  return { file, code, map: [[1, file, 1]] };
}
