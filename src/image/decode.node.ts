// Image decoding by content (never by file extension) in Node: JPEG with our decoder
// (src/image/jpeg/, bit-exact with the libjpeg-turbo that PIL uses), PNG with pngjs (palette,
// grayscale, alpha and 16-bit included), BMP with bmp-ts, GIF's first frame with omggif, WebP
// with libwebp (WebAssembly); pngjs and bmp-ts need Node's Buffer, so browsers decode through
// src/image/decode-blob.ts. Output is 8-bit RGB, like PIL's Image.convert('RGB'): alpha is
// dropped, not composited; every format matches PIL to the bit (test/image/decode.test.ts).
import { crc32, inflateSync } from 'node:zlib';
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

/** Bits per pixel of a PNG colour type at a bit depth (PNG spec 11.2.2). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes an interlaced PNG's image data inflates to: each Adam7 pass's rows, a filter byte each. */
function interlacedBytes(width: number, height: number, bitsPerPixel: number): number {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx),
      h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  }
  return total;
}

/**
 * Refuses an interlaced PNG whose image data inflates past what its size needs: pngjs inflates
 * interlaced images without a cap (it caps the others), so a small file could take gigabytes.
 */
function checkInterlacedInflation(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || bytes[28] !== 1) return; // IHDR's interlace method
  const [width, height, depth, colour] = [view.getUint32(16), view.getUint32(20), bytes[24], bytes[25]];
  const limit = interlacedBytes(width, height, depth * (CHANNELS[colour] ?? 4));
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 12 <= bytes.length;) {
    const length = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (type === 'IDAT') idat.push(bytes.subarray(p + 8, Math.min(p + 8 + length, bytes.length)));
    if (type === 'IEND') break;
    p += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: limit + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new Error(`its image data inflates past the ${limit} bytes a ${width}x${height} image needs`, {
        cause: e,
      });
    // a damaged stream: pngjs says what is wrong
  }
}

function decodePng(bytes: Uint8Array): RgbImage {
  const badChunk = failedPngChunk(bytes);
  if (badChunk) throw new Error(`chunk ${badChunk} fails its CRC check (damaged file)`);
  checkInterlacedInflation(bytes);
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
    if (format === 'gif') return decodeGif(bytes, maxPixels);
    const decode = { png: decodePng, bmp: decodeBmp, webp: decodeWebp }[format];
    return decode(bytes);
  } catch (e) {
    if (e instanceof PixelLimitError) throw new PixelLimitError(`${file}: ${e.message} (see --max-pixels)`);
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
