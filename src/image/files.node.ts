// Image files from disk, decoded by content, with errors that name the file.
import { readBytes } from '../files.node.js';
import { decodeImage } from './decode.node.js';
import { ImageError, type RgbImage } from './format.js';

export function readImage(path: string, maxPixels?: number): RgbImage {
  return decodeImage(readBytes(path, ImageError), path, maxPixels);
}
