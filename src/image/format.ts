// Decoded images (8-bit RGB), image formats told apart by content, and RGBA to RGB; no Node
// APIs (browsers use these too).
import { InputError } from '../errors.js';

/** A file that is not a decodable image. */
export class ImageError extends InputError {}

/** An image refused for its declared size (DEFAULT_MAX_PIXELS), before decoding. */
export class PixelLimitError extends ImageError {}

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  data: Uint8Array;
}

export type ImageFormat = 'jpeg' | 'png' | 'bmp' | 'gif' | 'webp';

/** What the tools say they read, in messages. */
export const READABLE_FORMATS = 'JPEG, PNG, BMP, GIF or WebP';

const ascii = (bytes: Uint8Array, at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));

/** The image format of a file's first bytes (12 are enough), or null. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && ascii(bytes, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(ascii(bytes, 0, 6))) return 'gif';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  // BM, then (at 14) the size of a known info header: core (12), v1 to v5 (40 to 124).
  if (bytes.length >= 18 && ascii(bytes, 0, 2) === 'BM' && [12, 40, 52, 56, 64, 108, 124].includes(bytes[14]))
    return 'bmp';
  return null;
}

/** RGBA pixels (a decoded PNG, ImageData) as RGB: alpha is dropped, not composited, as in PIL's convert('RGB'). */
export function rgbFromRgba(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  if (rgba.length !== width * height * 4)
    throw new Error(`rgbFromRgba: ${rgba.length} values for ${width}x${height} RGBA`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

/**
 * Images over this many pixels are refused before any pixel memory is allocated, so that a
 * few-KB file declaring a huge image cannot take gigabytes (PIL refuses above about 179 million).
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Why an image of width x height is refused under the limit, or null. */
export function pixelLimitProblem(width: number, height: number, maxPixels: number): string | null {
  if (width * height <= maxPixels) return null;
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} megapixels`;
  return `${width}x${height} is ${mp(width * height)}, over the limit of ${mp(maxPixels)}`;
}

/**
 * Refuses an image whose header declares more than `maxPixels` pixels, before decoding (JPEGs:
 * decodeJpeg's frame check).
 */
export function checkDeclaredPixels(bytes: Uint8Array, maxPixels: number): void {
  const size = declaredSize(bytes);
  const problem = size && pixelLimitProblem(size.width, size.height, maxPixels);
  if (problem) throw new PixelLimitError(problem);
}

/** The size a PNG, BMP, GIF or WebP header declares, or null where the header is not there. */
export function declaredSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const has = (n: number) => bytes.length >= n;
  switch (sniffFormat(bytes)) {
    case 'png':
      return has(24) && ascii(bytes, 12, 4) === 'IHDR'
        ? { width: view.getUint32(16), height: view.getUint32(20) }
        : null;
    case 'gif': // the logical screen
      return has(10) ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : null;
    case 'bmp':
      if (bytes[14] === 12)
        return has(22) ? { width: view.getUint16(18, true), height: view.getUint16(20, true) } : null;
      return has(26) ? { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) } : null;
    case 'webp': {
      if (!has(30)) return null;
      const chunk = ascii(bytes, 12, 4);
      const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
      if (chunk === 'VP8 ')
        return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
      if (chunk === 'VP8L') {
        const bits = view.getUint32(21, true);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      return null;
    }
    default:
      return null;
  }
}
