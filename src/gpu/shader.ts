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
 * The shader with the launcher's struct declarations appended (WGSL declarations may follow
 * their use), so the struct a shader reads and the packer its launcher writes are one thing.
 */
export function withStructs(
  source: WgslSource,
  structs: readonly StructLayout<Record<string, WgslType>>[],
): WgslSource {
  const own = source.code.match(/^\s*struct\s+(\w+)/gm)?.map((s) => s.trim().split(/\s+/)[1]) ?? [];
  const clash = structs.find((s) => own.includes(s.name));
  if (clash) throw new Error(`${source.file} declares struct ${clash.name} itself; its launcher declares it`);
  let line = source.code.split('\n').length;
  const map = [...source.map];
  let code = source.code;
  for (const s of structs) {
    map.push([line, `struct ${s.name} (declared by its launcher)`, 1]);
    code += s.wgsl;
    line += s.wgsl.split('\n').length - 1;
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
