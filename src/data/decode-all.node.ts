// Decodes every image of a run once, in worker threads when there is more than one core
// and the bundled worker is present (dist/decode-worker.js), else on this thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ImageError, type RgbImage } from '../image/format.js';
import { readImage } from '../image/files.node.js';

export interface DecodeResult {
  images: (RgbImage | null)[];
  /** Files that failed to decode, with the reason (only when skipping bad images). */
  bad: string[];
  threads: number;
}

/** What a decode worker posts back for one file. */
export type WorkerReply =
  | { index: number; width: number; height: number; data: Uint8Array }
  | { index: number; bad: string }
  | { index: number; failure: string; stack?: string };

/** One file, decoded, or why it is not an image; anything but a bad image throws. */
export function decodeOrBad(file: string, maxPixels?: number): { image: RgbImage } | { bad: string } {
  try {
    return { image: readImage(file, maxPixels) };
  } catch (e) {
    if (e instanceof ImageError) return { bad: e.message };
    throw e;
  }
}

function workerUrl(): URL | null {
  const url = new URL('./decode-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

export interface DecodeOptions {
  skipBad: boolean;
  maxPixels?: number;
  onProgress?: (done: number) => void;
  threads?: number;
}

/**
 * Decodes files in worker threads (on this thread where there is one core or no bundled
 * worker), at most `ahead` files beyond the last one asked for, so that a consumer working
 * through the files in order finds the next ones decoded while it works on these, and memory
 * holds a window of images rather than all of them. image(i) resolves with file i's pixels, or
 * null for a bad image when skipping them (a bad one otherwise rejects, naming the file).
 */
export class DecodeQueue {
  readonly threads: number;
  /** Files that failed to decode, with the reason (only when skipping bad images). */
  readonly bad: string[] = [];
  private readonly results: (Promise<RgbImage | null> | undefined)[];
  private readonly settle: ((r: { image: RgbImage | null } | { error: Error }) => void)[] = [];
  private readonly workers: Worker[];
  private idle: Worker[] = [];
  private next = 0;
  private limit = 0;
  private done = 0;
  private failed: Error | null = null;

  constructor(
    private readonly files: readonly string[],
    private readonly options: DecodeOptions & { ahead?: number },
  ) {
    this.results = new Array(files.length);
    const url = workerUrl();
    const threads = Math.min(options.threads ?? availableParallelism(), Math.ceil(files.length / 8));
    this.threads = url && threads >= 2 ? threads : 1;
    this.workers = url && this.threads > 1 ? Array.from({ length: this.threads }, () => new Worker(url)) : [];
    for (const worker of this.workers) {
      worker.on('message', (m: WorkerReply) => {
        if ('failure' in m) this.fail(Object.assign(new Error(m.failure), { stack: m.stack }));
        else if ('bad' in m) this.finish(m.index, null, m.bad);
        else this.finish(m.index, { width: m.width, height: m.height, data: m.data });
        this.idle.push(worker);
        this.pump();
      });
      worker.on('error', (e) => this.fail(e));
      this.idle.push(worker);
    }
  }

  /** File i's pixels (null: a bad image, skipped); asks for the files up to i + ahead. */
  image(i: number): Promise<RgbImage | null> {
    if (i < 0 || i >= this.files.length) throw new RangeError(`DecodeQueue: no file ${i}`);
    this.limit = Math.max(this.limit, Math.min(this.files.length, i + 1 + (this.options.ahead ?? Infinity)));
    const result = this.promise(i);
    this.pump();
    return result;
  }

  /** Stops the workers (files asked for and not decoded are never settled). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private promise(i: number): Promise<RgbImage | null> {
    let p = this.results[i];
    if (!p) {
      p = new Promise((resolve, reject) => {
        this.settle[i] = (r) => ('error' in r ? reject(r.error) : resolve(r.image));
      });
      p.catch(() => {}); // a failure is reported to whoever asks for the image
      this.results[i] = p;
    }
    return p;
  }

  private pump(): void {
    if (this.failed) return;
    if (!this.workers.length) {
      // One thread: decode what was asked for, now.
      while (this.next < this.limit) {
        const index = this.next++;
        try {
          const result = decodeOrBad(this.files[index], this.options.maxPixels);
          if ('bad' in result) this.finish(index, null, result.bad);
          else this.finish(index, result.image);
        } catch (e) {
          this.fail(e as Error);
          return;
        }
      }
      return;
    }
    while (this.idle.length && this.next < this.limit) {
      const index = this.next++;
      this.promise(index);
      this.idle.pop()!.postMessage({ index, file: this.files[index], maxPixels: this.options.maxPixels });
    }
  }

  private finish(index: number, image: RgbImage | null, bad?: string): void {
    this.promise(index);
    if (bad !== undefined) {
      if (!this.options.skipBad) {
        this.fail(new ImageError(`${bad} (use --skip-bad-images to skip such files)`));
        return;
      }
      this.bad.push(bad);
    }
    this.options.onProgress?.(++this.done);
    this.settle[index]({ image });
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    for (let i = 0; i < this.files.length; i++) if (this.results[i]) this.settle[i]({ error });
  }
}

/** Decodes every file (see DecodeQueue). */
export async function decodeAll(files: readonly string[], options: DecodeOptions): Promise<DecodeResult> {
  const queue = new DecodeQueue(files, options);
  try {
    const images = await Promise.all(files.map((_, i) => queue.image(i)));
    return { images, bad: queue.bad, threads: queue.threads };
  } finally {
    await queue.close();
  }
}
