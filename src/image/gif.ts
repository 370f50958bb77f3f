// GIF's first frame as RGB by omggif, as PIL gives it (torchvision's loader: Image.open(...)
// .convert('RGB')): transparent pixels take their palette entry's colour, since PIL's 'P' to 'RGB'
// conversion ignores transparency. No Node APIs: the browser bundle decodes GIFs here too, where
// a canvas would turn transparent pixels black.
import { GifReader } from 'omggif';
import { DEFAULT_MAX_PIXELS, PixelLimitError, type RgbImage, pixelLimitProblem, rgbFromRgba } from './format.js';

/**
 * The first frame as RGB. Its size is checked against `maxPixels` too, not only the logical
 * screen's: a frame may declare far more pixels than the screen it is drawn on.
 */
export function decodeGif(bytes: Uint8Array, maxPixels: number = DEFAULT_MAX_PIXELS): RgbImage {
  const reader = new GifReader(bytes);
  if (reader.numFrames() < 1) throw new Error('no frames');
  const { width, height } = reader;
  const frame = reader.frameInfo(0);
  const problem = pixelLimitProblem(frame.width, frame.height, maxPixels);
  if (problem) throw new PixelLimitError(`its first frame: ${problem}`);
  const rgba = new Uint8Array(width * height * 4);
  if (frame.transparent_index !== null) {
    // omggif leaves transparent pixels unwritten: they start as that palette entry.
    const at = frame.palette_offset! + 3 * frame.transparent_index;
    for (let i = 0; i < rgba.length; i += 4) rgba.set(bytes.subarray(at, at + 3), i);
  }
  reader.decodeAndBlitFrameRGBA(0, rgba);
  return rgbFromRgba(rgba, width, height);
}
