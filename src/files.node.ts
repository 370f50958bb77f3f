// Node file I/O shared by the CLIs: reads whose failures name the file (as the caller's
// input-error class), and atomic writes (a temp file unique to this writer, fsynced, renamed,
// then the folder fsynced) so that neither a crash nor a power cut leaves half a file.
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from './errors.js';

/** A file or folder we were asked to write cannot be written (read-only, full, not a folder). */
export class OutputError extends InputError {}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
};

/** A one-line reason for a file-system error: its code in words where we know it. */
export function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && reasons[code]) ?? (e as Error).message;
}

/** The file's bytes; a missing or unreadable file throws `error` with a one-line message naming it. */
export function readBytes(path: string, error: new (message: string) => Error): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new error(`${path}: ${reason(e)}`);
  }
}

/** Fails now, naming `path`, if a file there could not be written later (its folder missing or read-only). */
export function checkWritable(path: string): void {
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    accessSync(dirname(path) || '.', constants.W_OK);
  } catch (e) {
    throw new OutputError(`${path}: cannot write (${reason(e)})`);
  }
}

/** A temp-file name beside `path` that no other writer uses: `path.PID-RANDOM.tmp`. */
export function stagingName(path: string, suffix = 'tmp'): string {
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.${suffix}`;
}

/** Flushes a folder's entries (a rename in it) to the disk. */
export function fsyncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to `tmp` and flushes them to the disk. */
export function writeDurable(tmp: string, bytes: Uint8Array | string): void {
  const fd = openSync(tmp, 'wx');
  try {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `bytes` to `path` through a temp file of this writer's own in the same folder, so
 * readers never see half a file; failures name `path` (not the temp file) in one line.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = stagingName(path);
  try {
    writeDurable(tmp, bytes);
    renameSync(tmp, path);
    fsyncFolder(dirname(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new OutputError(`${path}: cannot write (${reason(e)})`);
  }
}
