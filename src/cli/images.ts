// What predict.js and evaluate.js share: decoding the given image files in worker threads a
// few chunks ahead of the predictions (a bad one is reported on one line and the rest go on),
// and predicting them in chunks under a progress bar.
import type { Classifier, Prediction } from '../api/classifier.js';
import { DecodeQueue } from '../data/decode-all.node.js';
import type { RgbImage } from '../image/format.js';
import { compilingNote } from '../train/fit.js';
import { Progress } from '../train/progress.node.js';

/** Images per predict call, so that the progress bar moves on large folders. */
const PREDICT_CHUNK = 64;

export interface Predicted<T> {
  /** The items whose file was an image, in order, each with its prediction. */
  read: (T & { image: RgbImage; prediction: Prediction })[];
  /** One line per file that could not be read (already printed as `error: ...`). */
  failures: string[];
}

/**
 * Predicts each item's `file`: decoded in worker threads while the chunk before it runs on
 * the GPU; `classifier` is made when the first chunk with an image is ready (so that no
 * device is started for files that are all unreadable).
 */
export async function predictFiles<T extends { file: string }>(
  classifier: () => Promise<Classifier>,
  items: readonly T[],
  options: { maxPixels?: number; quiet?: boolean },
): Promise<Predicted<T>> {
  const queue = new DecodeQueue(
    items.map((item) => item.file),
    { skipBad: true, maxPixels: options.maxPixels, ahead: 2 * PREDICT_CHUNK },
  );
  const read: Predicted<T>['read'] = [];
  let reported = 0;
  const progress = new Progress('predict', items.length, { quiet: options.quiet });
  let made: Classifier | null = null;
  try {
    for (let s = 0; s < items.length; s += PREDICT_CHUNK) {
      const chunk = items.slice(s, s + PREDICT_CHUNK);
      const images = await Promise.all(chunk.map((_, i) => queue.image(s + i)));
      for (const line of queue.bad.slice(reported)) console.error(`error: ${line}`);
      reported = queue.bad.length;
      const good = chunk.flatMap((item, i) => (images[i] ? [{ item, image: images[i] }] : []));
      if (good.length) {
        made ??= await classifier();
        const stop = made.backbone.onCompile((done, total) => progress.update(s, compilingNote(done, total)));
        const predictions = await made.predict(good.map((g) => g.image)).finally(stop);
        good.forEach((g, i) => read.push({ ...g.item, image: g.image, prediction: predictions[i] }));
      }
      progress.update(s + chunk.length);
    }
  } finally {
    await queue.close();
  }
  progress.finish();
  return { read, failures: queue.bad };
}
