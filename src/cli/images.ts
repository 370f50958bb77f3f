// What predict.js and evaluate.js share: reading the given image files, where a bad one is
// reported on one line and the rest go on, and predicting them in chunks under a progress bar.
import type { Classifier, Prediction } from '../api/classifier.js';
import { InputError } from '../errors.js';
import type { RgbImage } from '../image/format.js';
import { readImage } from '../image/files.node.js';
import { Progress } from '../train/progress.node.js';

export interface ReadImages<T> {
  read: (T & { image: RgbImage })[];
  /** One line per file that could not be read (already printed as `error: ...`). */
  failures: string[];
}

/** Reads each item's `file`; a file that fails is printed as one error line and left out. */
export function readEach<T extends { file: string }>(items: readonly T[], maxPixels?: number): ReadImages<T> {
  const read: (T & { image: RgbImage })[] = [];
  const failures: string[] = [];
  for (const item of items) {
    try {
      read.push({ ...item, image: readImage(item.file, maxPixels) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      console.error(`error: ${e.message}`);
      failures.push(e.message);
    }
  }
  return { read, failures };
}

/** Images per predict call, so that the progress bar moves on large folders. */
const PREDICT_CHUNK = 64;

export async function predictAll(
  classifier: Classifier,
  images: readonly RgbImage[],
  quiet = false,
): Promise<Prediction[]> {
  const progress = new Progress('predict', images.length, { quiet });
  const predictions: Prediction[] = [];
  for (let s = 0; s < images.length; s += PREDICT_CHUNK) {
    predictions.push(...(await classifier.predict(images.slice(s, s + PREDICT_CHUNK))));
    progress.update(predictions.length);
  }
  progress.finish();
  return predictions;
}
