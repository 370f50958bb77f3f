// Loading in a browser, where files arrive as bytes (fetch, <input type=file>) and images are
// decoded by the browser itself.
import type { RgbImage } from '../image/decode.js';
import { type BackboneWeights, backboneWeights } from '../model/backbone.js';
import { ModelError, type SavedModel, parseHead, parseModelJson } from '../train/model-format.js';
import { parseWeightFile } from '../weights/parse.js';

/** Hex sha256 through Web Crypto (the same digests the Node tools write into model.json). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Backbone weights from a weight file's bytes (safetensors or a torchvision .pth), validated. */
export async function backboneFromBytes(bytes: Uint8Array, source: string): Promise<BackboneWeights> {
  return backboneWeights(parseWeightFile(bytes, source, await sha256Hex(bytes)), source);
}

/** A model saved by `node dist/train.js`: model.json's text and head.safetensors' bytes, checked against each other. */
export async function savedModelFromBytes(modelJson: string, head: Uint8Array, where = 'model'): Promise<SavedModel> {
  const json = parseModelJson(modelJson, where);
  if ((await sha256Hex(head)) !== json.head.sha256) throw new ModelError(`${where}: ${json.head.file} does not match model.json (sha256 differs)`);
  return parseHead(json, head, where);
}

/** RGBA pixels (ImageData, a canvas) as the RGB image our preprocessing takes; alpha is dropped, as in PIL's convert('RGB'). */
export function rgbFromRgba(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  if (rgba.length !== width * height * 4) throw new Error(`rgbFromRgba: ${rgba.length} values for ${width}x${height} RGBA`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

/**
 * Decodes an image file with the browser's own decoder (so JPEG pixels may differ slightly
 * from PIL's libjpeg-turbo, which the Node tools match exactly).
 */
export async function decodeInBrowser(blob: Blob): Promise<RgbImage> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('decodeInBrowser: no 2d canvas context');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return rgbFromRgba(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
}
