// Image decoding by content (never by file extension): JPEG with our decoder (src/image/jpeg/,
// bit-exact with the libjpeg-turbo that PIL uses), PNG with pngjs (palette, grayscale, alpha and
// 16-bit included). Output is 8-bit RGB, like PIL's Image.convert('RGB'): alpha is dropped,
// not composited.
import { InputError } from '../errors.js';
import { PNG } from 'pngjs';
import { sniffFormat, rgbFromRgba } from './format.js';
import { decodeJpeg } from './jpeg/decode.js';

export class ImageError extends InputError {}

export interface RgbImage {
  width: number;
  height: number;
  /** width * height * 3 bytes, row-major RGB. */
  data: Uint8Array;
}

export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError(`${file}: not a JPEG or PNG image`);
  try {
    if (format === 'jpeg') return decodeJpeg(bytes);
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return rgbFromRgba(png.data, png.width, png.height);
  } catch (e) {
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
