// Image decoding by content (never by file extension): JPEG with jpeg-js, PNG with pngjs
// (palette, grayscale, alpha and 16-bit included). Output is 8-bit RGB, like PIL's
// Image.convert('RGB'): alpha is dropped, not composited.
import { InputError } from '../errors.js';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { jpegLayout, libjpegRgb } from './jpeg-libjpeg.js';

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
    if (format === 'jpeg') {
      const layout = jpegLayout(bytes);
      const options = { useTArray: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 } as const;
      if (layout) {
        const raw = jpeg.decode(bytes, { ...options, formatAsRGBA: false, colorTransform: false });
        const rgb = raw.width && raw.height ? libjpegRgb(raw.data, raw.width, raw.height, layout) : null;
        if (rgb) return { width: raw.width, height: raw.height, data: rgb };
      }
      const img = jpeg.decode(bytes, { ...options, formatAsRGBA: true });
      if (!img.width || !img.height) throw new Error('no image data');
      return { width: img.width, height: img.height, data: rgbaToRgb(img.data, img.width, img.height) };
    }
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: rgbaToRgb(png.data, png.width, png.height) };
  } catch (e) {
    const why = (e as Error).message || String(e);
    throw new ImageError(`${file}: corrupt or unsupported ${format.toUpperCase()} (${why.split('\n')[0]})`);
  }
}
