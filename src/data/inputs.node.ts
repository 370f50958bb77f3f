// The images a command is given: files, folders (their images, subfolders included, in the
// order the training data is read) and quoted globs (`*`, `?`, `**`), expanded here because
// Node 20 has no fs.glob. Hidden entries are left out; what is missing is said, not fatal.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isImage, kindOf } from './folders.node.js';
import { whatIsPath } from '../files.node.js';
import { compareFileNames } from './split.js';

export interface ImageInputs {
  files: string[];
  /** Each file's name relative to the argument that gave it (a file given by path keeps that path). */
  names: string[];
  /** Arguments that named nothing, one line each. */
  missing: string[];
}

const GLOB = /[*?[]/;

function looksLikeImage(path: string): boolean {
  try {
    return isImage(path);
  } catch {
    return true; // unreadable: kept, so that reading it says why
  }
}

/** Every non-hidden file under `dir`, folders walked in name order, links followed once. */
function walk(dir: string, seen = new Set<string>()): string[] {
  const real = statSync(dir);
  const key = `${real.dev}:${real.ino}`;
  if (seen.has(key)) return [];
  seen.add(key);
  const out: string[] = [];
  for (const name of readdirSync(dir).sort(compareFileNames)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const k = kindOf(path);
    if (k === 'file') out.push(path);
    else if (k === 'folder') out.push(...walk(path, seen));
  }
  return out;
}

/** A glob as a regular expression over paths: `**` any folders, `*` and `?` within a name, `[...]` a set. */
function globPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function expandImageInputs(args: readonly string[]): ImageInputs {
  const files: string[] = [];
  const names: string[] = [];
  const missing: string[] = [];
  // Folders and globs give their images, named relative to the folder; other files there are passed over.
  const add = (paths: string[], base: string) =>
    paths.filter(looksLikeImage).forEach((path) => {
      files.push(path);
      names.push(relative(base, path).split(sep).join('/'));
    });
  for (const arg of args) {
    const k = kindOf(arg);
    if (k === 'file') {
      files.push(arg);
      names.push(arg);
    } else if (k === 'folder') add(walk(arg), arg);
    else if (GLOB.test(arg)) {
      const parts = arg.split('/');
      const fixed = parts.slice(
        0,
        parts.findIndex((p) => GLOB.test(p)),
      );
      const base = fixed.length ? fixed.join('/') || '/' : '.';
      const pattern = globPattern(arg.replace(/^\.\//, ''));
      const matched =
        kindOf(base) === 'folder'
          ? walk(base).filter((path) => pattern.test(path.split(sep).join('/').replace(/^\.\//, '')))
          : [];
      if (matched.length) add(matched, base);
      else missing.push(`${arg}: no file matches`);
    } else missing.push(`${arg}: ${whatIsPath(arg)}`);
  }
  return { files, names, missing };
}
