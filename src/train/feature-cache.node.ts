// Backbone features of unaugmented images kept on disk across runs, so that a second run with
// other head settings (or a sweep) skips the backbone for them. One file per image and backbone
// under DIR/<2 hex>/<sha256>.f32, the name a hash of the backbone (architecture, weights' sha256,
// preprocessing, adapter, cache version) and the decoded image; oldest files go first past a size
// limit. A file that is truncated or of another version is ignored with a warning and rewritten.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '../image/format.js';
import { stagingName } from '../files.node.js';
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

export class DiskFeatureCache implements FeatureCache {
  private warned = new Set<string>();
  /** The cache's size in bytes: scanned once, at the first write, then counted as files are written. */
  private bytes: number | null = null;

  constructor(
    readonly dir: string,
    private readonly options: DiskCacheOptions,
  ) {}

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
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        return null;
      }
      const problem = this.problem(bytes, features);
      if (problem) {
        this.warnOnce(`warning: feature cache ${file}: ${problem}; ignored and rebuilt`);
        return null;
      }
      const now = new Date();
      utimesSync(file, now, now); // recently used: kept longest
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset + HEADER_BYTES, bytes.byteOffset + bytes.length));
    });
  }

  async put(identity: string, images: readonly RgbImage[], rows: readonly Float32Array[]): Promise<void> {
    this.bytes ??= this.scan().reduce((a, f) => a + f.bytes, 0);
    images.forEach((image, i) => {
      const file = this.path(identity, image);
      mkdirSync(join(file, '..'), { recursive: true });
      const header = Buffer.alloc(HEADER_BYTES);
      header.write(MAGIC, 0, 'latin1');
      header.writeUInt16LE(VERSION, 6);
      header.writeUInt32LE(rows[i].length, 8);
      const tmp = stagingName(file);
      writeFileSync(tmp, Buffer.concat([header, Buffer.from(rows[i].buffer, rows[i].byteOffset, rows[i].byteLength)]));
      renameSync(tmp, file);
      // A file rewritten in place (a damaged one) is counted twice: trimming then comes early, never late.
      this.bytes! += HEADER_BYTES + rows[i].byteLength;
    });
    if (this.bytes > this.options.maxBytes) this.trim();
  }

  private problem(bytes: Buffer, features: number): string | null {
    if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 6) !== MAGIC) return 'not a feature file';
    const version = bytes.readUInt16LE(6);
    if (version !== VERSION) return `written by cache version ${version}, this is ${VERSION}`;
    const stored = bytes.readUInt32LE(8);
    if (stored !== features) return `holds ${stored} features, the backbone gives ${features}`;
    if (bytes.length !== HEADER_BYTES + 4 * features) return `truncated (${bytes.length} bytes)`;
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
