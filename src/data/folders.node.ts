// Image folders in Keras/torchvision layout: ROOT/train/<class>/* and ROOT/validation/<class>/*.
// Class index = alphabetical order of the folder names. Files are recognised by content and
// links followed; hidden files and non-images are skipped and counted, anything else skipped
// is said in a note.
import { InputError } from '../errors.js';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { reason, whatIsPath } from '../files.node.js';
import { join } from 'node:path';
import { READABLE_FORMATS, sniffFormat } from '../image/format.js';
import { compareClassNames, compareFileNames, splitByClass } from './split.js';

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
  /** Files skipped because they are not images of a readable format (hidden files are not counted). */
  skipped: number;
  /** What else was skipped or followed, and why, one line each (nested folders, unreadable files, links). */
  notes: string[];
}

/** An entry of a folder, links followed: a file, a folder, or something else (a broken link, a device). */
export function kindOf(path: string): 'file' | 'folder' | 'other' {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'other';
  }
}

/** The entries of a folder, hidden ones left out; names that are not valid UTF-8 are noted and left out. */
function entries(dir: string, notes: string[]): string[] {
  const names: string[] = [];
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    const name = raw.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(raw)) {
      notes.push(`${dir}: skipped a file whose name is not valid UTF-8 (${JSON.stringify(raw.toString('latin1'))})`);
      continue;
    }
    if (!name.startsWith('.')) names.push(name);
  }
  return names;
}

/** Whether a file starts like an image of a readable format (throws where it cannot be read). */
export function isImage(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(32);
    const n = readSync(fd, head, 0, head.length, 0);
    return sniffFormat(head.subarray(0, n)) !== null;
  } finally {
    closeSync(fd);
  }
}

export interface FolderOptions {
  /** Note and skip files that cannot be read, instead of stopping. */
  skipBad?: boolean;
  /**
   * Without a validation/ folder: hold out this share of each class's training images for
   * validation (split.ts's holdOut, seeded by `seed`). With one, giving it is an error.
   */
  validationSplit?: number;
  seed?: number;
}

/** The class folders in `dir`, in class order; files beside them are noted, none at all is an error. */
function classFolders(dir: string, notes: string[], hint = ''): string[] {
  const all = entries(dir, notes);
  const folders = all.filter((name) => kindOf(join(dir, name)) === 'folder').sort(compareClassNames);
  const files = all.length - folders.length;
  if (files) notes.push(`${dir}: ${files} file(s) beside the class folders ignored`);
  if (!folders.length) throw new DataError(`${dir}: no class folders${hint}`);
  return folders;
}

/**
 * The images of one class folder (first `limit` in name order), labelled `label`; nested
 * folders, links that lead nowhere and unreadable files (with skipBad) are noted.
 */
function readClassFolder(
  dir: string,
  label: number,
  limit: number,
  options: FolderOptions,
  notes: string[],
): { samples: Sample[]; skipped: number } {
  const samples: Sample[] = [];
  let skipped = 0;
  let nested = 0;
  for (const f of entries(dir, notes).sort(compareFileNames)) {
    if (samples.length >= limit) break;
    const path = join(dir, f);
    const kind = kindOf(path);
    if (kind === 'folder') {
      nested++;
      continue;
    }
    if (kind === 'other') {
      notes.push(`${path}: skipped, ${whatIsPath(path)}`);
      continue;
    }
    let image: boolean;
    try {
      image = isImage(path);
    } catch (e) {
      const why = `${path}: cannot read (${reason(e)})`;
      if (!options.skipBad) throw new DataError(`${why} (use --skip-bad-images to skip such files)`);
      notes.push(`${why}: skipped`);
      continue;
    }
    if (!image) {
      skipped++;
      continue;
    }
    samples.push({ file: path, label });
  }
  if (nested) notes.push(`${dir}: ${nested} nested folder(s) skipped (images must sit directly in the class folder)`);
  if (!samples.length) {
    const also = nested ? `; ${nested} nested folder(s) skipped` : '';
    throw new DataError(`${dir}: no ${READABLE_FORMATS} images${also}`);
  }
  return { samples, skipped };
}

/** A labelled set of images in class folders, for evaluation. */
export interface LabelledFolder {
  /** The folder the class folders were read from. */
  root: string;
  samples: Sample[];
  skipped: number;
  notes: string[];
}

/** The class names a folder gives: a dataset folder's train/<class>/, else its own <class>/ folders, sorted. */
export function folderClasses(root: string): string[] {
  if (kindOf(root) !== 'folder')
    throw new DataError(`${root}: ${kindOf(root) === 'file' ? 'not a folder' : 'no such folder'}`);
  const dir = kindOf(join(root, 'train')) === 'folder' ? join(root, 'train') : root;
  return classFolders(dir, [], ` (expected ${dir}/<class>/<images>)`);
}

/**
 * ROOT/<class>/* for a model's `classes` (labels are indices into them; a folder that is not
 * one of them is an error). A dataset folder (ROOT/train and ROOT/validation) gives its
 * validation/ split. Classes without a folder are allowed; at least one must have images.
 */
export function readLabelledFolder(
  root: string,
  classes: readonly string[],
  options: FolderOptions = {},
): LabelledFolder {
  if (kindOf(root) !== 'folder')
    throw new DataError(`${root}: ${kindOf(root) === 'file' ? 'not a folder' : 'no such folder'}`);
  const notes: string[] = [];
  const isDataset = ['train', 'validation'].every((s) => kindOf(join(root, s)) === 'folder');
  const dir = isDataset ? join(root, 'validation') : root;
  if (isDataset) notes.push(`${root}: a dataset folder, so its validation/ split is evaluated`);
  const folders = classFolders(dir, notes, ` (expected ${dir}/<class>/<images>)`);
  const unknown = folders.filter((f) => !classes.includes(f));
  if (unknown.length)
    throw new DataError(
      `${join(dir, unknown[0])}: '${unknown[0]}' is not one of the model's classes (${classes.join(', ')})`,
    );
  const samples: Sample[] = [];
  let skipped = 0;
  for (const name of folders) {
    const found = readClassFolder(join(dir, name), classes.indexOf(name), Infinity, options, notes);
    samples.push(...found.samples);
    skipped += found.skipped;
  }
  return { root: dir, samples, skipped, notes };
}

/**
 * `limit` keeps at most that many images per class per split (first in name order). Links
 * are followed; folders nested in a class folder are skipped and noted; a file that cannot be
 * read is an error naming it, or with `skipBad` noted and skipped.
 */
export function readImageFolders(root: string, limit = Infinity, options: FolderOptions = {}): Dataset {
  let stat;
  try {
    stat = statSync(root);
  } catch {
    throw new DataError(`${root}: no such folder`);
  }
  if (!stat.isDirectory()) throw new DataError(`${root}: not a folder`);
  const notes: string[] = [];
  const classSets = {} as Record<SplitName, string[]>;
  const splitting = options.validationSplit !== undefined;
  const hasValidation = kindOf(join(root, 'validation')) === 'folder';
  if (splitting && hasValidation)
    throw new DataError(`${join(root, 'validation')}: present, so --val-split does not apply (remove one of them)`);
  const read = splitting ? (['train'] as const) : SPLITS;
  for (const split of read) {
    const dir = join(root, split);
    if (kindOf(dir) !== 'folder') {
      const hint = split === 'validation' ? ' (or hold out a share of train/ with --val-split FRACTION)' : '';
      throw new DataError(`${dir}: missing (expected ${root}/{train,validation}/<class>/<images>)${hint}`);
    }
    classSets[split] = classFolders(dir, notes);
  }
  const classes = classSets.train;
  const normalized = new Set(classes.map((c) => c.normalize('NFC')));
  if (normalized.size !== classes.length) {
    throw new DataError(`${join(root, 'train')}: two class folders have the same name in different Unicode forms`);
  }
  for (const [a, b] of splitting
    ? []
    : ([
        ['train', 'validation'],
        ['validation', 'train'],
      ] as const)) {
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
  for (const split of read) {
    splits[split] = [];
    classes.forEach((name, label) => {
      const found = readClassFolder(join(root, split, name), label, limit, options, notes);
      splits[split].push(...found.samples);
      skipped += found.skipped;
    });
  }
  if (splitting) {
    const held = splitByClass(
      splits.train,
      (s) => s.label,
      classes.length,
      options.validationSplit!,
      options.seed ?? 0,
    );
    const short = classes.find((_, k) => !held.validation.some((s) => s.label === k));
    if (short !== undefined)
      throw new DataError(`${join(root, 'train', short)}: too few images to hold out a validation share`);
    Object.assign(splits, held);
  }
  return { root, classes, splits, skipped, notes };
}
