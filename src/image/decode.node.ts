// Image decoding by content (never by file extension) in Node: JPEG with our decoder
// (src/image/jpeg/, bit-exact with the libjpeg-turbo that PIL uses), PNG with pngjs (palette,
// grayscale, alpha and 16-bit included), BMP with bmp-ts, GIF's first frame with omggif, WebP
// with libwebp (WebAssembly); pngjs and bmp-ts need Node's Buffer, so browsers decode through
// src/image/decode-blob.ts. Output is 8-bit RGB, like PIL's Image.convert('RGB'): alpha is
// dropped, not composited; every format matches PIL to the bit (test/decode.test.ts).
import { crc32 } from 'node:zlib';
import { decode as decodeBmpRaw } from 'bmp-ts';
import { PNG } from 'pngjs';
import {
  DEFAULT_MAX_PIXELS,
  ImageError,
  PixelLimitError,
  type RgbImage,
  READABLE_FORMATS,
  checkDeclaredPixels,
  rgbFromRgba,
  sniffFormat,
} from './format.js';
import { decodeGif } from './gif.js';
import { decodeJpeg } from './jpeg/decode.js';
import { decodeWebp } from './webp.node.js';

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

function decodePng(bytes: Uint8Array): RgbImage {
  const badChunk = failedPngChunk(bytes);
  if (badChunk) throw new Error(`chunk ${badChunk} fails its CRC check (damaged file)`);
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return rgbFromRgba(png.data, png.width, png.height);
}

/** bmp-ts gives ABGR bytes per pixel; PIL reads BMP alpha as padding, so it is dropped. */
function decodeBmp(bytes: Uint8Array): RgbImage {
  const bmp = decodeBmpRaw(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = bmp;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = bmp.data[i + 3];
    data[j + 1] = bmp.data[i + 2];
    data[j + 2] = bmp.data[i + 1];
  }
  return { width, height, data };
}

/**
 * Decodes JPEG, PNG, BMP, GIF (the first frame) or WebP bytes; images over `maxPixels` are
 * refused from their header, before decoding.
 */
export function decodeImage(bytes: Uint8Array, file: string, maxPixels = DEFAULT_MAX_PIXELS): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError(`${file}: not a ${READABLE_FORMATS} image`);
  try {
    if (format === 'jpeg') return decodeJpeg(bytes, maxPixels);
    checkDeclaredPixels(bytes, maxPixels);
    const decode = { png: decodePng, bmp: decodeBmp, gif: decodeGif, webp: decodeWebp }[format];
    return decode(bytes);
  } catch (e) {
    if (e instanceof PixelLimitError) throw new PixelLimitError(`${file}: ${e.message} (see --max-pixels)`);
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
