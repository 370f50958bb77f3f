// Loading in a browser, where files arrive as bytes (fetch, <input type=file>): weights, saved
// models, and images (JPEGs by our PIL-exact decoder, other formats by the browser's).
import {
  DEFAULT_MAX_PIXELS,
  PixelLimitError,
  type RgbImage,
  checkPngPixels,
  rgbFromRgba,
  sniffFormat,
} from '../image/format.js';
import { decodeJpeg } from '../image/jpeg/decode.js';
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
  if ((await sha256Hex(head)) !== json.head.sha256)
    throw new ModelError(`${where}: ${json.head.file} does not match model.json (sha256 differs)`);
  return parseHead(json, head, where);
}

/**
 * Decodes an image file: JPEGs with our decoder, which matches PIL's (and so the Node tools) to
 * the bit, anything else with the browser's own (exact for PNG).
 */
export async function decodeInBrowser(blob: Blob, name = 'image', maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  try {
    checkPngPixels(bytes, maxPixels);
  } catch (e) {
    throw new PixelLimitError(`${name}: ${(e as Error).message}`);
  }
  if (sniffFormat(bytes) === 'jpeg') {
    try {
      return decodeJpeg(bytes, maxPixels);
    } catch (e) {
      if (e instanceof PixelLimitError) throw new PixelLimitError(`${name}: ${e.message}`);
      throw new Error(`${name}: corrupt or unsupported JPEG (${(e as Error).message})`, { cause: e });
    }
  }
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }).catch(() => {
    throw new Error(`${name}: not an image this browser decodes`);
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('decodeInBrowser: no 2d canvas context');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return rgbFromRgba(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
}
