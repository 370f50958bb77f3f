// Huffman entropy decoding of JPEG scans (ITU T.81 F.2 and G.2): baseline and progressive
// (DC first/refine, AC first/refine with end-of-band runs), restart intervals. Coefficients
// land dezigzagged in each component's block array. Like libjpeg, a marker met inside entropy
// data reads as zero bits, but only for the few bytes that decoding the scan's last codes may
// look ahead: data that ends early is an error, as is running out of file (PIL reports a
// truncated image), so a tiny file declaring a huge image cannot decode zeros for minutes.

export class JpegFormatError extends Error {}

/**
 * Natural (row-major) index of the k-th zigzag coefficient, padded like libjpeg's so that a run
 * past 63 stays in the block.
 */
export const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

const LOOKAHEAD = 9;

/** Zero bytes read past a marker before the data counts as ended early (the bit buffer looks 4 ahead). */
const MAX_ZERO_FILL = 64;

/** A canonical Huffman table: a 9-bit lookup for short codes, max-code lists for the rest. */
export class HuffmanTable {
  /** (length << 8) | symbol for codes of at most LOOKAHEAD bits, 0 otherwise. */
  readonly lookup = new Uint16Array(1 << LOOKAHEAD);
  readonly maxCode = new Int32Array(18).fill(-1);
  readonly valueOffset = new Int32Array(17);
  readonly values: Uint8Array;

  constructor(counts: Uint8Array, values: Uint8Array) {
    this.values = values;
    let code = 0,
      k = 0;
    for (let length = 1; length <= 16; length++) {
      this.valueOffset[length] = k - code;
      for (let i = 0; i < counts[length - 1]; i++, k++, code++) {
        if (length <= LOOKAHEAD) {
          const shift = LOOKAHEAD - length;
          this.lookup.fill((length << 8) | values[k], code << shift, (code + 1) << shift);
        }
      }
      if (code > 1 << length) throw new JpegFormatError('bad Huffman table');
      this.maxCode[length] = code - 1;
      code <<= 1;
    }
    this.maxCode[17] = 0x7fffffff; // sentinel: a 17-bit code is corrupt data
  }
}

/** Reads entropy-coded bits, undoing 0xFF00 byte stuffing and stopping at markers. */
export class BitReader {
  private acc = 0;
  private bits = 0;
  /** The marker that ended the entropy data, once met. */
  private atMarker = false;
  /** Zero bytes read since the marker. */
  private zeroFill = 0;

  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      if (this.atMarker && ++this.zeroFill > MAX_ZERO_FILL) {
        throw new JpegFormatError('entropy-coded data ends early (truncated or corrupt)');
      }
      if (!this.atMarker) {
        if (this.pos >= this.data.length) throw new JpegFormatError('truncated entropy-coded data');
        byte = this.data[this.pos];
        if (byte === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0x00) this.pos += 2;
          else {
            this.atMarker = true;
            byte = 0;
          }
        } else this.pos++;
      }
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) this.fill();
    this.bits--;
    return (this.acc >>> this.bits) & 1;
  }

  /** n raw bits, 0 <= n <= 16. */
  receive(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  /** n bits read as a signed magnitude category value (T.81 F.2.2.1 EXTEND). */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.receive(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const peek = (this.acc >>> (this.bits - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1);
    const hit = table.lookup[peek];
    if (hit) {
      this.bits -= hit >> 8;
      return hit & 0xff;
    }
    let length = LOOKAHEAD + 1;
    let code = (this.acc >>> (this.bits - length)) & ((1 << length) - 1);
    while (code > table.maxCode[length]) {
      length++;
      if (length > 16) throw new JpegFormatError('corrupt Huffman code');
      code = (this.acc >>> (this.bits - length)) & ((1 << length) - 1);
    }
    this.bits -= length;
    return table.values[table.valueOffset[length] + code];
  }

  /** Drops buffered bits and steps over the restart marker that must come next. */
  restart(): void {
    this.acc = 0;
    this.bits = 0;
    this.atMarker = false;
    this.zeroFill = 0;
    const at = nextMarker(this.data, this.pos);
    if (at < 0 || this.data[at + 1] < 0xd0 || this.data[at + 1] > 0xd7)
      throw new JpegFormatError('missing restart marker');
    this.pos = at + 2;
  }
}

/** Offset of the next marker (0xFF, then a byte that is neither 0x00 nor 0xFF) at or after pos, or -1. */
export function nextMarker(data: Uint8Array, pos: number): number {
  for (let i = pos; i + 1 < data.length; i++) {
    if (data[i] === 0xff && data[i + 1] !== 0x00 && data[i + 1] !== 0xff) return i;
  }
  return -1;
}

export interface ScanComponent {
  /** Coefficients, 64 per block, natural order; blocksPerLine blocks per row. */
  coefficients: Int32Array;
  blocksPerLine: number;
  /** Blocks that hold image data (a single-component scan visits only these). */
  widthInBlocks: number;
  heightInBlocks: number;
  h: number;
  v: number;
  dc?: HuffmanTable;
  ac?: HuffmanTable;
  pred: number;
}

export interface Scan {
  components: ScanComponent[];
  progressive: boolean;
  ss: number; // spectral selection start
  se: number; // spectral selection end
  ah: number; // successive approximation high bit
  al: number; // successive approximation low bit
  restartInterval: number;
  mcusPerLine: number;
  mcusPerColumn: number;
}

type BlockDecoder = (c: ScanComponent, offset: number) => void;

/** Decodes one scan starting at pos; returns the offset just past its entropy-coded data. */
export function decodeScan(data: Uint8Array, pos: number, scan: Scan): number {
  const reader = new BitReader(data, pos);
  const { ss, se, ah, al } = scan;
  let eobrun = 0;

  const baseline: BlockDecoder = (c, o) => {
    const block = c.coefficients;
    c.pred += reader.receiveExtend(reader.decode(c.dc!));
    block[o] = c.pred;
    for (let k = 1; k < 64; k++) {
      const rs = reader.decode(c.ac!);
      const s = rs & 15,
        r = rs >> 4;
      if (s === 0) {
        if (r < 15) break;
        k += 15;
        continue;
      }
      k += r;
      block[o + ZIGZAG[k]] = reader.receiveExtend(s);
    }
  };
  const dcFirst: BlockDecoder = (c, o) => {
    c.pred += reader.receiveExtend(reader.decode(c.dc!));
    c.coefficients[o] = c.pred * (1 << al);
  };
  const dcRefine: BlockDecoder = (c, o) => {
    if (reader.bit()) c.coefficients[o] |= 1 << al;
  };
  const acFirst: BlockDecoder = (c, o) => {
    if (eobrun > 0) {
      eobrun--;
      return;
    }
    const block = c.coefficients;
    for (let k = ss; k <= se; k++) {
      const rs = reader.decode(c.ac!);
      const s = rs & 15,
        r = rs >> 4;
      if (s === 0) {
        if (r < 15) {
          eobrun = (1 << r) - 1;
          if (r) eobrun += reader.receive(r);
          break;
        }
        k += 15;
        continue;
      }
      k += r;
      block[o + ZIGZAG[k]] = reader.receiveExtend(s) * (1 << al);
    }
  };
  const acRefine: BlockDecoder = (c, o) => {
    // libjpeg's decode_mcu_AC_refine: correction bits for nonzero coefficients, new ones of magnitude 1.
    const block = c.coefficients;
    const p1 = 1 << al,
      m1 = -1 << al;
    const correct = (i: number) => {
      const v = block[i];
      if (reader.bit() && (v & p1) === 0) block[i] = v >= 0 ? v + p1 : v + m1;
    };
    let k = ss;
    if (eobrun === 0) {
      for (; k <= se; k++) {
        const rs = reader.decode(c.ac!);
        let r = rs >> 4,
          s = rs & 15;
        if (s) {
          if (s !== 1) throw new JpegFormatError('corrupt refinement scan');
          s = reader.bit() ? p1 : m1;
        } else if (r !== 15) {
          eobrun = 1 << r;
          if (r) eobrun += reader.receive(r);
          break;
        }
        do {
          const i = o + ZIGZAG[k];
          if (block[i] !== 0) correct(i);
          else if (--r < 0) break;
          k++;
        } while (k <= se);
        if (s) block[o + ZIGZAG[k]] = s;
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) {
        const i = o + ZIGZAG[k];
        if (block[i] !== 0) correct(i);
      }
      eobrun--;
    }
  };

  const decodeBlock: BlockDecoder = !scan.progressive
    ? baseline
    : ss === 0
      ? ah === 0
        ? dcFirst
        : dcRefine
      : ah === 0
        ? acFirst
        : acRefine;

  const single = scan.components.length === 1;
  const total = single
    ? scan.components[0].widthInBlocks * scan.components[0].heightInBlocks
    : scan.mcusPerLine * scan.mcusPerColumn;
  for (let mcu = 0; mcu < total; mcu++) {
    if (scan.restartInterval && mcu > 0 && mcu % scan.restartInterval === 0) {
      reader.restart();
      eobrun = 0;
      for (const c of scan.components) c.pred = 0;
    }
    if (single) {
      const c = scan.components[0];
      const row = Math.floor(mcu / c.widthInBlocks),
        col = mcu % c.widthInBlocks;
      decodeBlock(c, (row * c.blocksPerLine + col) * 64);
      continue;
    }
    const mcuRow = Math.floor(mcu / scan.mcusPerLine),
      mcuCol = mcu % scan.mcusPerLine;
    for (const c of scan.components) {
      for (let y = 0; y < c.v; y++) {
        for (let x = 0; x < c.h; x++) {
          decodeBlock(c, ((mcuRow * c.v + y) * c.blocksPerLine + mcuCol * c.h + x) * 64);
        }
      }
    }
  }
  return reader.pos;
}
