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

export type ImageFormat = 'jpeg' | 'png';

export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47 &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a &&
    bytes[6] === 0x1a &&
    bytes[7] === 0x0a
  )
    return 'png';
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

/** Refuses a PNG whose IHDR declares more than `maxPixels` pixels (JPEGs: decodeJpeg's frame check). */
export function checkPngPixels(bytes: Uint8Array, maxPixels: number): void {
  const size = pngSize(bytes);
  const problem = size && pixelLimitProblem(size.width, size.height, maxPixels);
  if (problem) throw new PixelLimitError(problem);
}

/** The size a PNG declares in its IHDR chunk, or null if the header is not there. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
