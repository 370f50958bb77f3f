// Backbone features of unaugmented images kept on disk across runs, so that a second run with
// other head settings (or a sweep) skips the backbone for them. One file per image and backbone
// under DIR/<2 hex>/<sha256>.f32, the name a hash of the backbone (architecture, weights' sha256,
// preprocessing, adapter, cache version) and the decoded image; oldest files go first past a size
// limit. An entry that is truncated, of another version, holds values that are not finite, or is
// not a regular file (a folder, a link to a device) is dropped with a warning and recomputed.
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RgbImage } from '../image/format.js';
import { OutputError, readBytes, reason, stagingName } from '../files.node.js';
import type { FeatureCache } from './fit.js';

/** A feature file's header: this magic, then the layout VERSION (a new layout makes old files unusable). */
const MAGIC = 'WTFEAT';
const VERSION = 1;
const HEADER_BYTES = 16; // magic (6), version u16, features u32, reserved u32

export const DEFAULT_CACHE_MIB = 2048;

/** $WEBGPU_TRANSFER_CACHE, else $XDG_CACHE_HOME/webgpu-transfer/features, else ~/.cache/webgpu-transfer/features. */
export function defaultCacheDir(): string {
  if (process.env.WEBGPU_TRANSFER_CACHE) return process.env.WEBGPU_TRANSFER_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-transfer', 'features');
}

export interface DiskCacheOptions {
  /** Total bytes kept; the least recently used files go first. */
  maxBytes: number;
  warn?: (line: string) => void;
}

/** Why a cache entry could not be read. */
class EntryError extends Error {}

export class DiskFeatureCache implements FeatureCache {
  private warned = new Set<string>();
  /** The cache's size in bytes: scanned once, at the first write, then counted as files are written. */
  private bytes: number | null = null;

  /**
   * The cache in `dir` (made at its first write): a path that cannot be one (a file, a folder
   * under a file, a read-only place) fails here, before any work.
   */
  constructor(
    readonly dir: string,
    private readonly options: DiskCacheOptions,
  ) {
    let at = resolve(dir);
    while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
    try {
      if (!statSync(at).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
      accessSync(at, constants.W_OK);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'it, or a folder above it, is a file' : reason(e);
      throw new OutputError(`${dir}: cannot keep the feature cache here (${why})`);
    }
  }

  /** The key of an image's features under a backbone `identity` (see featureIdentity). */
  private path(identity: string, image: RgbImage): string {
    const hash = createHash('sha256').update(identity).update(`|${image.width}x${image.height}|`);
    hash.update(image.data);
    const key = hash.digest('hex');
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  async get(identity: string, images: readonly RgbImage[], features: number): Promise<(Float32Array | null)[]> {
    return images.map((image) => {
      const file = this.path(identity, image);
      if (!existsSync(file)) return null;
      let bytes: Uint8Array;
      try {
        bytes = readBytes(file, EntryError, HEADER_BYTES + 4 * features);
      } catch (e) {
        return this.drop(file, (e as Error).message.slice(file.length + 2));
      }
      const problem = this.problem(bytes, features);
      if (problem) return this.drop(file, problem);
      const now = new Date();
      utimesSync(file, now, now); // recently used: kept longest
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset + HEADER_BYTES, bytes.byteOffset + bytes.length));
    });
  }

  /** Removes an unusable entry (whatever it is), so that the run recomputes and rewrites it. */
  private drop(file: string, why: string): null {
    this.warnOnce(`warning: feature cache ${file}: ${why}; dropped and recomputed`);
    rmSync(file, { recursive: true, force: true });
    return null;
  }

  async put(identity: string, images: readonly RgbImage[], rows: readonly Float32Array[]): Promise<void> {
    this.bytes ??= this.scan().reduce((a, f) => a + f.bytes, 0);
    images.forEach((image, i) => {
      const file = this.path(identity, image);
      try {
        mkdirSync(join(file, '..'), { recursive: true });
      } catch (e) {
        throw new OutputError(`${join(file, '..')}: cannot write the feature cache (${reason(e)})`);
      }
      const header = Buffer.alloc(HEADER_BYTES);
      header.write(MAGIC, 0, 'latin1');
      header.writeUInt16LE(VERSION, 6);
      header.writeUInt32LE(rows[i].length, 8);
      const tmp = stagingName(file);
      try {
        const values = Buffer.from(rows[i].buffer, rows[i].byteOffset, rows[i].byteLength);
        writeFileSync(tmp, Buffer.concat([header, values]));
        renameSync(tmp, file);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new OutputError(`${file}: cannot write the feature cache entry (${reason(e)})`);
      }
      // A file rewritten in place (a damaged one) is counted twice: trimming then comes early, never late.
      this.bytes! += HEADER_BYTES + rows[i].byteLength;
    });
    if (this.bytes > this.options.maxBytes) this.trim();
  }

  private problem(bytes: Uint8Array, features: number): string | null {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = String.fromCharCode(...bytes.subarray(0, 6));
    if (bytes.length < HEADER_BYTES || magic !== MAGIC) return 'not a feature file';
    const version = view.getUint16(6, true);
    if (version !== VERSION) return `written by cache version ${version}, this is ${VERSION}`;
    const stored = view.getUint32(8, true);
    if (stored !== features) return `holds ${stored} features, the backbone gives ${features}`;
    if (bytes.length !== HEADER_BYTES + 4 * features) return `truncated (${bytes.length} bytes)`;
    for (let i = 0; i < features; i++)
      if (!Number.isFinite(view.getFloat32(HEADER_BYTES + 4 * i, true))) return 'holds values that are not finite';
    return null;
  }

  private warnOnce(line: string): void {
    if (this.warned.has(line)) return;
    this.warned.add(line);
    (this.options.warn ?? console.warn)(line);
  }

  /** Every file in the cache, with its size and when it was last used. */
  private scan(): { path: string; bytes: number; used: number }[] {
    const files: { path: string; bytes: number; used: number }[] = [];
    for (const sub of safeList(this.dir))
      for (const name of safeList(join(this.dir, sub))) {
        try {
          const st = statSync(join(this.dir, sub, name));
          files.push({ path: join(this.dir, sub, name), bytes: st.size, used: st.mtimeMs });
        } catch {
          // removed meanwhile by another run
        }
      }
    return files;
  }

  /** Removes the least recently used files until the cache fits its limit. */
  private trim(): void {
    const files = this.scan().sort((a, b) => a.used - b.used);
    let total = files.reduce((a, f) => a + f.bytes, 0);
    for (const f of files) {
      if (total <= this.options.maxBytes) break;
      rmSync(f.path, { force: true });
      total -= f.bytes;
    }
    this.bytes = total;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
