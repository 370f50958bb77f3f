// Image files from disk, decoded by content, with errors that name the file.
import { readBytes } from '../files.js';
import { type RgbImage, ImageError, decodeImage } from './decode.js';

export function readImage(path: string): RgbImage {
  return decodeImage(readBytes(path, ImageError), path);
}
