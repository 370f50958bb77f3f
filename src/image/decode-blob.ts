// Image files as Blobs, where a browser gives them (fetch, <input type=file>): JPEGs by our
// PIL-exact decoder, GIFs by omggif (as in Node), other formats (PNG, BMP, WebP) by the
// browser's own.
import {
  DEFAULT_MAX_PIXELS,
  PixelLimitError,
  type RgbImage,
  checkDeclaredPixels,
  rgbFromRgba,
  sniffFormat,
} from './format.js';
import { decodeGif } from './gif.js';
import { decodeJpeg } from './jpeg/decode.js';

/**
 * Decodes an image file: JPEGs with our decoder, which matches PIL's (and so the Node tools) to
 * the bit, GIFs with omggif as the Node tools do, anything else with the browser's own (exact
 * for PNG, BMP and lossless WebP).
 */
export async function decodeInBrowser(blob: Blob, name = 'image', maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  try {
    checkDeclaredPixels(bytes, maxPixels);
  } catch (e) {
    throw new PixelLimitError(`${name}: ${(e as Error).message}`);
  }
  const format = sniffFormat(bytes);
  if (format === 'gif') {
    try {
      return decodeGif(bytes, maxPixels);
    } catch (e) {
      if (e instanceof PixelLimitError) throw new PixelLimitError(`${name}: ${e.message}`);
      throw new Error(`${name}: corrupt or unsupported GIF (${(e as Error).message})`, { cause: e });
    }
  }
  if (format === 'jpeg') {
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
