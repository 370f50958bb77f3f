// Image folders in Keras/torchvision layout: ROOT/train/<class>/* and ROOT/validation/<class>/*.
// Class index = alphabetical order of the folder names. Files are recognised by content;
// hidden files and non-images are skipped and counted.
import { InputError } from '../errors.js';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sniffFormat } from '../image/format.js';

export class DataError extends InputError {}

export const SPLITS = ['train', 'validation'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface Sample {
  file: string;
  label: number;
}

export interface Dataset {
  root: string;
  classes: string[];
  splits: Record<SplitName, Sample[]>;
  /** Files skipped because they are not JPEG or PNG (hidden files are not counted). */
  skipped: number;
}

function listDirs(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

function isImage(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(8);
    const n = readSync(fd, head, 0, 8, 0);
    return sniffFormat(head.subarray(0, n)) !== null;
  } finally {
    closeSync(fd);
  }
}

/** `limit` keeps at most that many images per class per split (first in name order). */
export function readImageFolders(root: string, limit = Infinity): Dataset {
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new DataError(`${root}: no such folder`);
  }
  if (!stat.isDirectory()) throw new DataError(`${root}: not a folder`);
  const classSets = {} as Record<SplitName, string[]>;
  for (const split of SPLITS) {
    const dir = join(root, split);
    try {
      classSets[split] = listDirs(dir);
    } catch {
      throw new DataError(`${dir}: missing (expected ${root}/{train,validation}/<class>/<images>)`);
    }
    if (!classSets[split].length) throw new DataError(`${dir}: no class folders`);
  }
  const classes = classSets.train;
  for (const [a, b] of [
    ['train', 'validation'],
    ['validation', 'train'],
  ] as const) {
    const only = classSets[a].filter((c) => !classSets[b].includes(c));
    if (only.length)
      throw new DataError(
        `${join(root, a)}: class${only.length > 1 ? 'es' : ''} ${only.map((c) => `'${c}'`).join(', ')} ` +
          `ha${only.length > 1 ? 've' : 's'} no folder in ${b}/`,
      );
  }
  if (classes.length < 2) throw new DataError(`${root}: needs at least 2 classes, found ${classes.length}`);
  let skipped = 0;
  const splits = {} as Record<SplitName, Sample[]>;
  for (const split of SPLITS) {
    splits[split] = [];
    classes.forEach((name, label) => {
      const dir = join(root, split, name);
      const files = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      let kept = 0;
      for (const f of files) {
        if (kept >= limit) break;
        const path = join(dir, f);
        if (!isImage(path)) {
          skipped++;
          continue;
        }
        splits[split].push({ file: path, label });
        kept++;
      }
      if (!kept) throw new DataError(`${dir}: no JPEG or PNG images`);
    });
  }
  return { root, classes, splits, skipped };
}
