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

export async function decodeAll(
  files: readonly string[],
  options: { skipBad: boolean; maxPixels?: number; onProgress?: (done: number) => void; threads?: number },
): Promise<DecodeResult> {
  const images: (RgbImage | null)[] = new Array(files.length).fill(null);
  const bad: string[] = [];
  let done = 0;
  const fail = (message: string) => {
    if (!options.skipBad) throw new ImageError(`${message} (use --skip-bad-images to skip such files)`);
    bad.push(message);
  };
  const url = workerUrl();
  const threads = Math.min(options.threads ?? availableParallelism(), Math.ceil(files.length / 8));
  if (!url || threads < 2) {
    for (let i = 0; i < files.length; i++) {
      const result = decodeOrBad(files[i], options.maxPixels);
      if ('bad' in result) fail(result.bad);
      else images[i] = result.image;
      options.onProgress?.(++done);
    }
    return { images, bad, threads: 1 };
  }
  const workers = Array.from({ length: threads }, () => new Worker(url));
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= files.length) return resolve();
              const index = next++;
              worker.postMessage({ index, file: files[index], maxPixels: options.maxPixels });
            };
            worker.on('message', (m: WorkerReply) => {
              try {
                if ('failure' in m) throw Object.assign(new Error(m.failure), { stack: m.stack });
                if ('bad' in m) fail(m.bad);
                else images[m.index] = { width: m.width, height: m.height, data: m.data };
                options.onProgress?.(++done);
                send();
              } catch (e) {
                reject(e);
              }
            });
            worker.on('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { images, bad, threads };
}
