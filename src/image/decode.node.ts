// Image decoding by content (never by file extension) in Node: JPEG with our decoder
// (src/image/jpeg/, bit-exact with the libjpeg-turbo that PIL uses), PNG with pngjs (palette,
// grayscale, alpha and 16-bit included; it needs Node's Buffer, so browsers decode through
// src/image/decode-blob.ts). Output is 8-bit RGB, like PIL's Image.convert('RGB'): alpha is dropped,
// not composited.
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import {
  DEFAULT_MAX_PIXELS,
  ImageError,
  PixelLimitError,
  type RgbImage,
  checkPngPixels,
  rgbFromRgba,
  sniffFormat,
} from './format.js';
import { decodeJpeg } from './jpeg/decode.js';

/** The first PNG chunk whose CRC does not match its bytes, or null. */
function failedPngChunk(bytes: Uint8Array): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 8; p + 12 <= bytes.length;) {
    const length = view.getUint32(p);
    const end = p + 8 + length;
    if (end + 4 > bytes.length) return null; // truncated: pngjs says so
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (crc32(bytes.subarray(p + 4, end)) !== view.getUint32(end)) return type;
    if (type === 'IEND') return null;
    p = end + 4;
  }
  return null;
}

/** Decodes JPEG or PNG bytes; images over `maxPixels` are refused from their header, before decoding. */
export function decodeImage(bytes: Uint8Array, file: string, maxPixels = DEFAULT_MAX_PIXELS): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError(`${file}: not a JPEG or PNG image`);
  try {
    if (format === 'jpeg') return decodeJpeg(bytes, maxPixels);
    checkPngPixels(bytes, maxPixels);
    const badChunk = failedPngChunk(bytes);
    if (badChunk) throw new Error(`chunk ${badChunk} fails its CRC check (damaged file)`);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return rgbFromRgba(png.data, png.width, png.height);
  } catch (e) {
    if (e instanceof PixelLimitError) throw new PixelLimitError(`${file}: ${e.message} (see --max-pixels)`);
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
