// Image files from disk, decoded by content, with errors that name the file.
import { readFileSync } from 'node:fs';
import { type RgbImage, ImageError, decodeImage } from './decode.js';

export function readImage(path: string): RgbImage {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  return decodeImage(bytes, path);
}
