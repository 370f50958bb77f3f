// Predictions of a saved model: images through its preprocessing (the validation path of
// training), the backbone in inference mode with the running statistics training left (the
// article's model.eval()), then the head's softmax.
import { Head } from '../autograd/head.js';
import { IDENTITY } from '../kernels/augment.js';
import type { Gpu } from '../gpu/context.js';
import type { RgbImage } from '../image/format.js';
import { type BackboneWeights, loadBackbone } from '../model/backbone.js';
import { backboneFeatures } from './features.js';
import { type SavedModel, backboneForModel } from './model-format.js';

/** Class probabilities per image, [N * classes]. */
export async function predict(
  gpu: Gpu,
  saved: SavedModel,
  weights: BackboneWeights,
  images: readonly RgbImage[],
): Promise<Float32Array> {
  const model = loadBackbone(gpu, backboneForModel(saved, weights));
  const head = new Head(gpu, saved.json.head, saved.weights);
  try {
    const C = saved.json.head.classes;
    const out = new Float32Array(images.length * C);
    const chunk = 32;
    for (let s = 0; s < images.length; s += chunk) {
      const batch = images.slice(s, s + chunk);
      const features = await backboneFeatures(
        gpu,
        model,
        batch,
        batch.map(() => IDENTITY),
        'constant',
        saved.json.preprocessing,
      );
      out.set(await head.probabilities(features), s * C);
      features.release();
    }
    return out;
  } finally {
    head.destroy();
    model.destroy();
  }
}

/** "87% alien, 13% predator": every class, highest first. */
export function caption(probabilities: ArrayLike<number>, classes: readonly string[]): string {
  return Array.from(classes.keys())
    .sort((a, b) => probabilities[b] - probabilities[a])
    .map((k) => `${Math.round(100 * probabilities[k])}% ${classes[k]}`)
    .join(', ');
}
