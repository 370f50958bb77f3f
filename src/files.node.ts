// Node file I/O shared by the CLIs: reads whose failures name the file (as the caller's
// input-error class), and atomic writes (a temp file unique to this writer, fsynced, renamed,
// then the folder fsynced) so that neither a crash nor a power cut leaves half a file.
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/**
 * What a path that is neither a regular file nor a folder is, in words: a FIFO, a device, a
 * socket, a symbolic link loop, a broken link, or nothing.
 */
export function whatIsPath(path: string): string {
  try {
    return kindOf(statSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'a symbolic link loop';
    if (code === 'ENOENT') return isLink(path) ? 'a broken link' : 'no such file or folder';
    return reason(e);
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** What a path that is not a regular file is, in words. */
function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Files larger than this are refused before they are read (no input of ours comes near it). */
export const MAX_INPUT_BYTES = 2 ** 31;

/**
 * The bytes of a regular file (links followed), at most `maxBytes` of them. Anything else (a
 * FIFO, which would block, a device such as /dev/zero, which never ends, a folder) and a
 * missing or unreadable file throws `error` with a one-line message naming the path.
 */
/**
 * Opens a regular file for reading (what readBytes refuses, refused the same way) and returns
 * its descriptor, which the caller closes, and its size.
 */
export function openRegularFile(path: string, error: new (message: string) => Error): { fd: number; size: number } {
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO with no writer returns instead of waiting forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new error(`${path}: ${reason(e)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new error(`${path}: ${kindOf(stat)}, not a file to read`);
    return { fd, size: stat.size };
  } catch (e) {
    closeSync(fd);
    if (e instanceof error) throw e;
    throw new error(`${path}: ${reason(e)}`);
  }
}

export function readBytes(
  path: string,
  error: new (message: string) => Error,
  maxBytes: number = MAX_INPUT_BYTES,
): Uint8Array {
  const { fd, size } = openRegularFile(path, error);
  try {
    if (size > maxBytes) throw new error(`${path}: ${size} bytes, over the ${maxBytes} this input may have`);
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < bytes.length) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } catch (e) {
    if (e instanceof error) throw e;
    throw new error(`${path}: ${reason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Makes the folder `path` goes in, with its parents (a job array's tasks each make it). */
export function makeParent(path: string): void {
  try {
    mkdirSync(dirname(path) || '.', { recursive: true });
  } catch (e) {
    throw new OutputError(`${dirname(path)}: cannot make the folder (${reason(e)})`);
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

/** Whether a process with this pid runs (one we may not signal runs too). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files that writers of `path` killed mid-write left beside it (our staging
 * names for it, `path.PID-8HEX.tmp`, whose writer is gone); nothing else is touched.
 */
export function sweepStaleStaging(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
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
  sweepStaleStaging(path);
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
