// Options that several tools share, declared once (in src/cli/args.ts's format).
import { PRECISIONS } from '../gpu/shader.js';
import { DEFAULT_MAX_PIXELS } from '../image/format.js';

export const MAX_PIXELS_OPTION = {
  type: 'integer',
  min: 1,
  default: DEFAULT_MAX_PIXELS,
  description: 'refuse images declaring more pixels than this, before decoding them (decompression bombs)',
} as const;

/** --precision of the tools that run the inference-mode backbone. */
export const PRECISION_OPTION = {
  type: 'choice',
  choices: PRECISIONS,
  description:
    'how the backbone stores activations and conv weights: f16 halves the bytes moved (accumulating in f32; ' +
    "needs the adapter's shader-f16)",
} as const;

/** --weights of the tools that use a trained model. */
export const MODEL_WEIGHTS_OPTION = {
  type: 'string',
  value: 'FILE|random:SEED',
  description: 'backbone weights (default: the ones the model was trained on)',
} as const;
