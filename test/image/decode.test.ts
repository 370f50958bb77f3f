// Image decoding by content: PNGs of every colour type, and BMP (1, 8, 24 and 32 bits, palettes),
// GIF (first frame, transparency) and WebP (lossless and lossy) written by Pillow decode to the
// RGB that Pillow's convert('RGB') gives (torchvision's loader); formats are told apart by their
// bytes, not their names, and sizes are checked against the pixel limit from headers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.node.js';
import { PixelLimitError, declaredSize, sniffFormat } from '../../src/image/format.js';

const dir = 'test/fixtures/png';
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Record<
  string,
  { mode: string; rgb: number[] }
>;

describe('decodeImage', () => {
  for (const name of ['rgb.png', 'rgba.png', 'gray.png', 'gray-alpha.png', 'palette.png']) {
    it(`${name} (${expected[name].mode}) equals Pillow's RGB`, () => {
      const img = decodeImage(new Uint8Array(readFileSync(`${dir}/${name}`)), name);
      expect([img.width, img.height]).toEqual([7, 5]);
      expect(Array.from(img.data)).toEqual(expected[name].rgb);
    });
  }

  it('16-bit grayscale keeps the high byte (Pillow would clip its 32-bit integers to 255)', () => {
    const img = decodeImage(new Uint8Array(readFileSync(`${dir}/gray16.png`)), 'gray16.png');
    const gray = Array.from({ length: 35 }, (_, i) => img.data[3 * i]);
    const eight = expected['gray.png'].rgb.filter((_, i) => i % 3 === 0); // the same image at 8 bits
    expect(gray).toEqual(eight);
    expect(img.data.every((v, i) => v === img.data[i - (i % 3)])).toBe(true);
  });

  const formats = 'test/fixtures/formats';
  const pil = JSON.parse(readFileSync(`${formats}/expected.json`, 'utf8')) as Record<
    string,
    { mode: string; size: [number, number]; rgb: number[] }
  >;
  for (const [name, want] of Object.entries(pil)) {
    it(`${name} (${want.mode}) equals Pillow's RGB to the bit`, () => {
      const bytes = new Uint8Array(readFileSync(`${formats}/${name}`));
      expect(sniffFormat(bytes)).toBe(name.split('.').pop()!.replace('jpg', 'jpeg'));
      expect(declaredSize(bytes)).toEqual({ width: want.size[0], height: want.size[1] });
      const img = decodeImage(bytes, name);
      expect([img.width, img.height]).toEqual(want.size);
      expect(Array.from(img.data)).toEqual(want.rgb);
      // Refused from the header under a limit below its size; a cut file is said to be corrupt.
      expect(() => decodeImage(bytes, name, want.size[0] * want.size[1] - 1)).toThrow(PixelLimitError);
      expect(() => decodeImage(bytes.subarray(0, 30), name)).toThrow(
        new RegExp(`^${name}: corrupt or unsupported ${sniffFormat(bytes)!.toUpperCase()}`),
      );
    });
  }

  it('tells formats by content and names the file in errors', () => {
    const png = new Uint8Array(readFileSync(`${dir}/rgb.png`));
    expect(sniffFormat(png)).toBe('png');
    expect(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(() => decodeImage(new TextEncoder().encode('hello'), 'a.jpg')).toThrow(
      'a.jpg: not a JPEG, PNG, BMP, GIF or WebP image',
    );
    expect(() => decodeImage(png.subarray(0, 40), 'cut.png')).toThrow(/^cut\.png: corrupt or unsupported PNG/);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]), 'bad.jpg')).toThrow(
      /^bad\.jpg: corrupt or unsupported JPEG/,
    );
  });
});
