// Image decoding by content (never by file extension): JPEG with our decoder (src/image/jpeg/,
// bit-exact with the libjpeg-turbo that PIL uses), PNG with pngjs (palette, grayscale, alpha and
// 16-bit included). Output is 8-bit RGB, like PIL's Image.convert('RGB'): alpha is dropped,
// not composited.
import { InputError } from '../errors.js';
import { PNG } from 'pngjs';
import { decodeJpeg } from './jpeg/decode.js';

export class ImageError extends InputError {}

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  data: Uint8Array;
}

export type ImageFormat = 'jpeg' | 'png';

export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 && bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) return 'png';
  return null;
}

function rgbaToRgb(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) {
    out[j] = rgba[i];
    out[j + 1] = rgba[i + 1];
    out[j + 2] = rgba[i + 2];
  }
  return out;
}

export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError(`${file}: not a JPEG or PNG image`);
  try {
    if (format === 'jpeg') return decodeJpeg(bytes);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width, png.height) };
  } catch (e) {
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
