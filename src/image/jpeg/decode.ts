// A JPEG decoder that gives the pixels PIL gives (libjpeg-turbo with its defaults: ISLOW IDCT,
// fancy upsampling), so that our preprocessing matches torchvision's to the bit. Baseline,
// extended and progressive Huffman JPEGs, 8-bit, with 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK or
// YCCK) components and any integral sampling. The layout of a scan is T.81's; how the colour
// space is guessed follows libjpeg's default_decompress_parms.
import { PixelLimitError, pixelLimitProblem } from '../format.js';
import { cmykToRgb, upsample, yccToRgb, type Plane } from './color.js';
import { HuffmanTable, JpegFormatError, ZIGZAG, decodeScan, nextMarker, type ScanComponent } from './entropy.js';
import { idctIslow } from './idct.js';

export { JpegFormatError } from './entropy.js';

interface Component extends ScanComponent {
  id: number;
  quantTable: number;
}

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: Component[];
  maxH: number;
  maxV: number;
  mcusPerLine: number;
  mcusPerColumn: number;
}

/** The most scans a JPEG may have (libjpeg-turbo's djpeg -maxscans guards against the same). */
export const MAX_SCANS = 100;

const u16 = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];

function readFrame(b: Uint8Array, p: number, end: number, progressive: boolean, maxPixels: number): Frame {
  if (b[p] !== 8) throw new JpegFormatError(`${b[p]}-bit samples are not supported`);
  const height = u16(b, p + 1),
    width = u16(b, p + 3),
    n = b[p + 5];
  if (height === 0) throw new JpegFormatError('image height defined by a DNL marker is not supported');
  if (width === 0) throw new JpegFormatError('image width is zero');
  // Before the coefficient arrays are allocated.
  const tooLarge = pixelLimitProblem(width, height, maxPixels);
  if (tooLarge) throw new PixelLimitError(tooLarge);
  if (n === 0 || p + 6 + 3 * n > end) throw new JpegFormatError('bad frame header');
  const sampling = Array.from({ length: n }, (_, i) => ({
    id: b[p + 6 + 3 * i],
    h: b[p + 7 + 3 * i] >> 4,
    v: b[p + 7 + 3 * i] & 15,
    quantTable: b[p + 8 + 3 * i],
  }));
  if (sampling.some((s) => s.h < 1 || s.h > 4 || s.v < 1 || s.v > 4 || s.quantTable > 3))
    throw new JpegFormatError('bad sampling factors');
  const maxH = Math.max(...sampling.map((s) => s.h)),
    maxV = Math.max(...sampling.map((s) => s.v));
  if (sampling.some((s) => maxH % s.h !== 0 || maxV % s.v !== 0))
    throw new JpegFormatError('non-integral sampling ratios are not supported');
  const mcusPerLine = Math.ceil(width / (8 * maxH)),
    mcusPerColumn = Math.ceil(height / (8 * maxV));
  const components = sampling.map((s): Component => {
    const blocksPerLine = mcusPerLine * s.h;
    return {
      ...s,
      blocksPerLine,
      widthInBlocks: Math.ceil((width * s.h) / (maxH * 8)),
      heightInBlocks: Math.ceil((height * s.v) / (maxV * 8)),
      coefficients: new Int32Array(blocksPerLine * mcusPerColumn * s.v * 64),
      pred: 0,
    };
  });
  return { width, height, progressive, components, maxH, maxV, mcusPerLine, mcusPerColumn };
}

/**
 * Decodes a JPEG file to 8-bit RGB (width * height * 3), as PIL's Image.convert('RGB') would.
 * A frame of more than `maxPixels` pixels is refused before anything is allocated.
 */
export function decodeJpeg(b: Uint8Array, maxPixels = Infinity): { width: number; height: number; data: Uint8Array } {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new JpegFormatError('no start-of-image marker');
  const quant: (Int16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let jfif = false;
  let adobeTransform = -1;
  let pos = 2;
  let scans = 0;
  for (;;) {
    const at = nextMarker(b, pos);
    if (at < 0) {
      if (scans > 0) break; // missing EOI after complete scans: libjpeg warns and goes on
      throw new JpegFormatError('truncated before the image data');
    }
    const marker = b[at + 1];
    pos = at + 2;
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (pos + 2 > b.length) throw new JpegFormatError('truncated marker segment');
    const end = pos + u16(b, pos);
    if (end > b.length) throw new JpegFormatError('truncated marker segment');
    const p = pos + 2;
    pos = end;
    switch (marker) {
      case 0xdb: // DQT
        for (let q = p; q < end;) {
          const precision = b[q] >> 4,
            id = b[q] & 15;
          if (id > 3) throw new JpegFormatError('bad quantization table id');
          const table = new Int16Array(64);
          for (let k = 0; k < 64; k++) table[ZIGZAG[k]] = precision ? u16(b, q + 1 + 2 * k) : b[q + 1 + k];
          quant[id] = table;
          q += 1 + 64 * (precision ? 2 : 1);
        }
        break;
      case 0xc4: // DHT
        for (let q = p; q < end;) {
          const cls = b[q] >> 4,
            id = b[q] & 15;
          const counts = b.subarray(q + 1, q + 17);
          const total = counts.reduce((s, c) => s + c, 0);
          if (id > 3 || cls > 1 || q + 17 + total > end) throw new JpegFormatError('bad Huffman table');
          (cls ? acTables : dcTables)[id] = new HuffmanTable(counts, b.slice(q + 17, q + 17 + total));
          q += 17 + total;
        }
        break;
      case 0xdd: // DRI
        restartInterval = u16(b, p);
        break;
      case 0xe0: // APP0
        if (b[p] === 0x4a && b[p + 1] === 0x46 && b[p + 2] === 0x49 && b[p + 3] === 0x46 && b[p + 4] === 0) jfif = true;
        break;
      case 0xee: // APP14
        if (end - p >= 12 && String.fromCharCode(...b.subarray(p, p + 5)) === 'Adobe') adobeTransform = b[p + 11];
        break;
      case 0xc0:
      case 0xc1:
      case 0xc2: // SOF0 baseline, SOF1 extended, SOF2 progressive (Huffman)
        if (frame) throw new JpegFormatError('more than one frame');
        frame = readFrame(b, p, end, marker === 0xc2, maxPixels);
        break;
      case 0xda: {
        // SOS
        if (!frame) throw new JpegFormatError('scan before frame header');
        // Each scan walks every block of its components: a small file of many scans is slow.
        if (scans >= MAX_SCANS)
          throw new JpegFormatError(`more than ${MAX_SCANS} scans (a progressive JPEG has a few dozen at most)`);
        const n = b[p];
        const components = Array.from({ length: n }, (_, i) => {
          const c = frame!.components.find((x) => x.id === b[p + 1 + 2 * i]);
          if (!c) throw new JpegFormatError('scan names an unknown component');
          c.dc = dcTables[b[p + 2 + 2 * i] >> 4];
          c.ac = acTables[b[p + 2 + 2 * i] & 15];
          c.pred = 0;
          return c;
        });
        const ss = b[p + 1 + 2 * n],
          se = b[p + 2 + 2 * n],
          ah = b[p + 3 + 2 * n] >> 4,
          al = b[p + 3 + 2 * n] & 15;
        const needsDc = !frame.progressive || (ss === 0 && ah === 0);
        const needsAc = !frame.progressive || ss > 0;
        if (components.some((c) => (needsDc && !c.dc) || (needsAc && !c.ac)))
          throw new JpegFormatError('scan uses an undefined Huffman table');
        if (frame.progressive && (se > 63 || ss > se || (ss === 0 && se !== 0) || (ss > 0 && n !== 1)))
          throw new JpegFormatError('bad progressive scan');
        pos = decodeScan(b, end, {
          components,
          progressive: frame.progressive,
          ss,
          se,
          ah,
          al,
          restartInterval,
          mcusPerLine: frame.mcusPerLine,
          mcusPerColumn: frame.mcusPerColumn,
        });
        scans++;
        break;
      }
      default:
        if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          throw new JpegFormatError(
            marker >= 0xc9
              ? 'arithmetic-coded JPEG is not supported'
              : 'lossless or hierarchical JPEG is not supported',
          );
        }
      // APPn, COM and the rest carry nothing the pixels depend on.
    }
  }
  if (!frame || scans === 0) throw new JpegFormatError('no image data');
  return toRgb(frame, quant, jfif, adobeTransform);
}

function toRgb(frame: Frame, quant: (Int16Array | undefined)[], jfif: boolean, adobeTransform: number) {
  const { width: W, height: H, components } = frame;
  const planes = components.map((c) => {
    const table = quant[c.quantTable];
    if (!table) throw new JpegFormatError('missing quantization table');
    const stride = c.blocksPerLine * 8;
    const data = new Uint8Array(stride * c.heightInBlocks * 8);
    // Only blocks that hold image data are transformed; MCU padding blocks are never output.
    for (let by = 0; by < c.heightInBlocks; by++) {
      for (let bx = 0; bx < c.widthInBlocks; bx++) {
        idctIslow(c.coefficients, (by * c.blocksPerLine + bx) * 64, table, data, by * 8 * stride + bx * 8, stride);
      }
    }
    const plane: Plane = {
      data,
      stride,
      width: Math.ceil((W * c.h) / frame.maxH),
      height: Math.ceil((H * c.v) / frame.maxV),
    };
    const fx = frame.maxH / c.h,
      fy = frame.maxV / c.v;
    return fx === 1 && fy === 1 && stride === W ? data.subarray(0, W * H) : upsample(plane, fx, fy, W, H);
  });
  const out = new Uint8Array(W * H * 3);
  const ids = components.map((c) => c.id);
  if (components.length === 1) {
    for (let i = 0; i < W * H; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = planes[0][i];
  } else if (components.length === 3) {
    const rgb = jfif
      ? false
      : adobeTransform >= 0
        ? adobeTransform === 0
        : ids[0] === 82 && ids[1] === 71 && ids[2] === 66;
    if (rgb)
      for (let i = 0; i < W * H; i++) {
        out[i * 3] = planes[0][i];
        out[i * 3 + 1] = planes[1][i];
        out[i * 3 + 2] = planes[2][i];
      }
    else yccToRgb(planes[0], planes[1], planes[2], out);
  } else if (components.length === 4) {
    cmykToRgb(planes, adobeTransform > 0, out); // Adobe transform 0 (or no marker): CMYK; else YCCK
  } else {
    throw new JpegFormatError(`${components.length} colour components are not supported`);
  }
  return { width: W, height: H, data: out };
}
