// Options that several tools share, declared once (in src/cli/args.ts's format).
import { DEFAULT_MAX_PIXELS } from '../image/format.js';

export const MAX_PIXELS_OPTION = {
  type: 'integer',
  min: 1,
  default: DEFAULT_MAX_PIXELS,
  description: 'refuse images declaring more pixels than this, before decoding them (decompression bombs)',
} as const;

/** --weights of the tools that use a trained model. */
export const MODEL_WEIGHTS_OPTION = {
  type: 'string',
  value: 'FILE|random:SEED',
  description: 'backbone weights (default: the ones the model was trained on)',
} as const;
