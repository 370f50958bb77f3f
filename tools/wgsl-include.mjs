// The one include step for WGSL, shared by the esbuild build (tools/build.mjs) and vitest
// (vitest.config.ts): `#include "common/epilogue.wgsl"` on a line of its own is replaced by
// that file (relative to the including file), each file at most once per shader. The result
// keeps a line map so that a compile error names the file and line it came from.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const INCLUDE = /^\s*#include\s+"([^"]+)"\s*$/;

/**
 * Expands the includes of the shader at `path`. Returns `{ file, code, map }`: `map` lists
 * `[firstLine, file, fileLine]` for every run of lines (1-based) that comes from one file.
 */
export function expandWgsl(path, root = process.cwd()) {
  const lines = [];
  const map = [];
  const seen = new Set();
  const visit = (file, stack) => {
    const absolute = resolve(file);
    if (stack.includes(absolute))
      throw new Error(
        `${relative(root, file)}: #include cycle (${[...stack, absolute].map((f) => relative(root, f)).join(' -> ')})`,
      );
    if (seen.has(absolute)) return;
    seen.add(absolute);
    const name = relative(root, absolute);
    let text;
    try {
      text = readFileSync(absolute, 'utf8');
    } catch (e) {
      throw new Error(
        `${stack.length ? relative(root, stack[stack.length - 1]) : name}: cannot include ${name}: ${e.message}`,
        { cause: e },
      );
    }
    const source = text.replace(/\n$/, '').split('\n');
    let runStart = -1;
    source.forEach((line, i) => {
      const include = INCLUDE.exec(line);
      if (include) {
        visit(resolve(dirname(absolute), include[1]), [...stack, absolute]);
        runStart = -1;
        return;
      }
      if (runStart < 0) {
        runStart = i;
        map.push([lines.length + 1, name, i + 1]);
      }
      lines.push(line);
    });
  };
  visit(path, []);
  return { file: relative(root, resolve(path)), code: lines.join('\n') + '\n', map };
}

/** The JavaScript module a `.wgsl` import becomes. */
export function wgslModule(path, root) {
  return `export default ${JSON.stringify(expandWgsl(path, root))};\n`;
}
