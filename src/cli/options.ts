// Options that several tools share, declared once (in src/cli/args.ts's format).
import { PRECISIONS } from '../gpu/shader.js';
import { DEFAULT_MAX_PIXELS } from '../image/format.js';
import {
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
  type SettingsProblem,
  defaultText,
} from '../train/settings.js';
import { type OptionSpec, UsageError } from './args.js';

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

type FlagOf<K extends SettingName> = (typeof SETTINGS)[K]['flag'];
type SettingOption<V> = [V] extends [string]
  ? { type: 'choice'; choices: readonly V[]; description: string }
  : [V] extends [number | null]
    ? { type: 'integer' | 'number'; description: string; value?: string; min?: number; above?: number; below?: number }
    : { type: 'string'; description: string; value: string };

/** train.js's flags of the training settings, by flag. */
export type SettingFlags = {
  [K in SettingName as FlagOf<K> extends string ? FlagOf<K> : never]: SettingOption<SettingValues[K]>;
};

/** train.js's flag of every setting that has one, from its declaration (src/train/settings.ts). */
export function settingFlags(): SettingFlags {
  const flags: Record<string, OptionSpec> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const s: Setting<unknown> = SETTINGS[name];
    if (!s.flag) continue;
    const description = `${s.doc} (default: ${defaultText(name)}${s.resumes ? ", or the resumed run's" : ''})`;
    const k = s.kind;
    flags[s.flag] =
      k.kind === 'choice'
        ? { type: 'choice', choices: k.choices, description }
        : k.kind === 'integer'
          ? { type: 'integer', min: k.min, description, ...(s.flagValue && { value: s.flagValue }) }
          : k.kind === 'number'
            ? {
                type: 'number',
                above: k.above,
                below: k.below,
                description,
                ...(s.flagValue && { value: s.flagValue }),
              }
            : { type: 'string', value: s.flagValue ?? 'TEXT', description };
  }
  return flags as SettingFlags;
}

/** The settings given as flags (a list's first value; --class-weights as parsed elsewhere), by setting. */
export function givenSettings(values: Record<string, unknown>): Partial<SettingValues> {
  const given: Record<string, unknown> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const flag = SETTINGS[name].flag;
    if (!flag || name === 'classWeights') continue;
    const v = values[flag];
    if (v !== undefined) given[name] = Array.isArray(v) ? v[0] : v;
  }
  return given as Partial<SettingValues>;
}

/** A settingsProblem in train.js's words: the flag (with its value, where one) and why. */
export function flagProblem(problem: SettingsProblem, settings: Partial<SettingValues>): UsageError {
  const s: Setting<unknown> = SETTINGS[problem.setting];
  const value = settings[problem.setting];
  const shown = value === null || value === undefined || Array.isArray(value) ? '' : ` ${String(value)}`;
  return new UsageError(`--${s.flag ?? problem.setting}${shown}: ${problem.why}`);
}
