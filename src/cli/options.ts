// Options that several tools share, declared once (in src/cli/args.ts's format).
import { DEFAULT_MAX_PIXELS } from '../image/format.js';

export const MAX_PIXELS_OPTION = {
  type: 'integer',
  min: 1,
  default: DEFAULT_MAX_PIXELS,
  description: 'refuse images declaring more pixels than this, before decoding them (decompression bombs)',
} as const;
