// Every training setting, declared once: its kind and range, its default, a one-line doc,
// train.js's flag and how model.json keeps it. The saved model's type and schema, the
// library's defaults, train.js's flags and help and the page's controls are derived from
// these declarations; settingsProblem() holds the checks between settings.
import type { AugmentMode } from '../data/augment.js';
import { OptionError } from '../errors.js';
import { PRECISIONS } from '../gpu/shader.js';
import type { FillMode } from '../kernels/augment.js';
import { DEFAULT_LR_STEP_EPOCHS, LR_SCHEDULES, classWeightsProblem } from './controls.js';
import { RECIPES, RECIPE_NAMES, type RecipeName, precisionProblem } from './recipe.js';
import { type Check, SchemaError, array, nullable, number, oneOf, optional, string } from './schema.js';

/** How a value is written and bounded: a CLI flag's type, a page control, a schema check. */
export type SettingKind =
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'integer'; min: number }
  | { kind: 'number'; above?: number; below?: number }
  | { kind: 'text' }
  /** One non-negative number per class. */
  | { kind: 'numbers'; min: number };

export interface Setting<T, F extends string | null = string | null> {
  /** What it does, in one line (train.js's help, the docs, the page's tooltip). */
  doc: string;
  /** Its name in a sentence or on the page ("batch size"). */
  label: string;
  kind: SettingKind;
  /** null allowed: "none" (no limit, no early stopping...). */
  nullable: boolean;
  /** A new model's value: the article's, or the recipe's where the recipe decides. */
  default: T | ((recipe: RecipeName) => T);
  /** How the default reads in help ("the recipe's: ..."); the value itself where absent. */
  defaultText?: string;
  /** What the flag's value is called in help (N, EPOCHS...). */
  flagValue?: string;
  /** train.js's flag (and the page control's id), or null where the tool takes the value from elsewhere. */
  flag: F;
  /** A resumed run keeps the saved value unless one is given. */
  resumes: boolean;
  /** model.json files older than the setting lack it and read as its default. */
  olderFilesLack: boolean;
}

type Options<T, F extends string | null> = Partial<
  Omit<Setting<T, F>, 'doc' | 'kind' | 'default' | 'flag' | 'label'>
> & {
  flag?: F;
  label: string;
};

function declare<T, const F extends string | null = null>(
  doc: string,
  kind: SettingKind,
  value: Setting<T>['default'],
  o: Options<T, F>,
): Setting<T, F> {
  return { doc, kind, nullable: false, default: value, flag: null as F, resumes: true, olderFilesLack: false, ...o };
}

const choice = <const C extends string, const F extends string | null>(
  choices: readonly C[],
  doc: string,
  value: NoInfer<Setting<C>['default']>,
  o: Options<C, F>,
) => declare<C, F>(doc, { kind: 'choice', choices }, value, o);
const integer = <const F extends string | null>(min: number, doc: string, value: number, o: Options<number, F>) =>
  declare<number, F>(doc, { kind: 'integer', min }, value, o);
/** An integer setting that may be null ("none"), its default. */
const integerOrNone = <const F extends string | null>(min: number, doc: string, o: Options<number | null, F>) =>
  declare<number | null, F>(doc, { kind: 'integer', min }, null, { ...o, nullable: true });
const realOrNone = <const F extends string | null>(
  bounds: { above?: number; below?: number },
  doc: string,
  o: Options<number | null, F>,
) => declare<number | null, F>(doc, { kind: 'number', ...bounds }, null, { ...o, nullable: true });

/** The settings model.json keeps under `training`, in its order. */
export const TRAINING_SETTINGS = {
  recipe: choice(
    RECIPE_NAMES,
    "pytorch: the article's PyTorch code (batchnorm on batch statistics in training, running statistics " +
      'updated and saved with the model); keras: its Keras 2.2.2 code (Keras .h5 weights, caffe preprocessing, ' +
      'batch statistics without updates, glorot init, Keras Adam); frozen: inference-mode backbone, ' +
      'features cached where not augmented (fastest)',
    'pytorch',
    { flag: 'recipe', label: 'recipe' },
  ),
  batchSize: integer(1, 'images per training step', 32, { flag: 'batch-size', label: 'batch size' }),
  lr: declare<number, 'lr'>("Adam's learning rate", { kind: 'number', above: 0 }, 1e-3, {
    flag: 'lr',
    label: 'learning rate',
  }),
  augment: choice(
    ['full', 'flip', 'none'] as const satisfies readonly AugmentMode[],
    "training augmentation: Keras's shear 10 degrees, zoom 0.8-1.2 and flip, flip only, or none",
    'full',
    { flag: 'augment', label: 'augmentation' },
  ),
  fill: choice(
    ['constant', 'nearest'] as const satisfies readonly FillMode[],
    'what augmented pixels outside the image get: black (PyTorch) or the nearest border pixel (Keras)',
    (recipe) => RECIPES[recipe].fill,
    {
      flag: 'fill',
      label: 'fill',
      defaultText: `the recipe's: ${RECIPE_NAMES.map((r) => `${RECIPES[r].fill} for ${r}`).join(', ')}`,
    },
  ),
  seed: integer(0, 'seed of head initialization, shuffling and augmentation', 0, { flag: 'seed', label: 'seed' }),
  limit: integerOrNone(
    1,
    'use at most N images of each class in each split (the first N by file name, before the validation split): ' +
      'quick trials and smoke tests',
    { flag: 'limit', label: 'images per class', flagValue: 'N', resumes: false },
  ),
  validationSplit: realOrNone(
    { above: 0, below: 1 },
    'for data without a validation split: hold out this share of each class for validation, chosen by the seed',
    { flag: 'val-split', label: 'validation share', flagValue: 'FRACTION', resumes: false, olderFilesLack: true },
  ),
  data: declare<string, null>(
    'what the head was trained on: a folder, features or arrays',
    { kind: 'text' },
    'arrays',
    { label: 'data', resumes: false },
  ),
  lrSchedule: choice(
    LR_SCHEDULES,
    "learning rate per epoch of a run: constant, cosine (PyTorch's CosineAnnealingLR down to 0 over the run's " +
      'epochs) or step (StepLR: x0.1 every lrStepEpochs epochs)',
    'constant',
    { flag: 'lr-schedule', label: 'learning rate schedule', olderFilesLack: true },
  ),
  lrStepEpochs: integer(1, "the step schedule's period in epochs", DEFAULT_LR_STEP_EPOCHS, {
    flag: 'lr-step',
    label: 'step period',
    flagValue: 'EPOCHS',
    olderFilesLack: true,
  }),
  earlyStopping: integerOrNone(1, 'stop once validation loss has not improved for this many epochs in a row', {
    flag: 'early-stopping',
    label: 'early stopping patience',
    flagValue: 'PATIENCE',
    resumes: false,
    olderFilesLack: true,
  }),
  save: choice(
    ['last', 'best'],
    'which epoch the model holds after a run: the last, or the one with the lowest validation loss',
    'last',
    { flag: 'save', label: 'epoch kept', resumes: false, olderFilesLack: true },
  ),
  classWeights: declare<number[] | null, 'class-weights'>(
    'weights of the classes in the training loss: auto balances unbalanced classes (images / (classes x ' +
      "images of the class)), or one number per class in the classes' order",
    { kind: 'numbers', min: 0 },
    null,
    {
      flag: 'class-weights',
      label: 'class weights',
      flagValue: 'auto|none|W1,W2,...',
      nullable: true,
      olderFilesLack: true,
    },
  ),
  precision: choice(
    PRECISIONS,
    'how the inference-mode backbone stores activations and conv weights: f16 halves the bytes moved ' +
      "(accumulating in f32; needs the adapter's shader-f16); training at f16 takes the frozen recipe",
    'f32',
    { flag: 'precision', label: 'precision', olderFilesLack: true },
  ),
};

/** The settings of a run that model.json keeps elsewhere (head.hidden) or not at all. */
export const RUN_SETTINGS = {
  hidden: integer(1, "width of the head's hidden ReLU layer (a new model's only)", 128, {
    flag: 'hidden',
    label: 'hidden units',
    resumes: false,
  }),
  epochs: integer(1, 'epochs to train', 3, { flag: 'epochs', label: 'epochs', resumes: false }),
};

/** Every setting. */
export const SETTINGS = { ...TRAINING_SETTINGS, ...RUN_SETTINGS };

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T, infer _F> ? T : never;
/** Every setting's value. */
export type SettingValues = { -readonly [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };
export type TrainingSettingName = keyof typeof TRAINING_SETTINGS;
/** The settings model.json keeps under `training`. */
export type TrainingSettings = Pick<SettingValues, TrainingSettingName>;

/** The names of the settings model.json keeps under `training`, in its order. */
export const TRAINING_SETTING_NAMES = Object.keys(TRAINING_SETTINGS) as TrainingSettingName[];

/** A setting's value check (the schema of model.json, the page's controls); `saved`: as model.json is read. */
export function settingCheck(name: SettingName, saved = true): Check<unknown> {
  const s: Setting<unknown> = SETTINGS[name];
  const k = s.kind;
  const base: Check<unknown> =
    k.kind === 'choice'
      ? oneOf(k.choices)
      : k.kind === 'integer'
        ? number({ integer: true, min: k.min })
        : k.kind === 'number'
          ? number({ above: k.above, below: k.below })
          : k.kind === 'numbers'
            ? array(number({ min: k.min }))
            : string();
  const check = s.nullable ? nullable(base) : base;
  return saved && s.olderFilesLack ? optional(check, defaultOf(name, 'pytorch')) : check;
}

/** model.json's `training` schema, from the declarations. */
export function trainingSchema(): { [K in TrainingSettingName]-?: Check<TrainingSettings[K]> } {
  return Object.fromEntries(TRAINING_SETTING_NAMES.map((k) => [k, settingCheck(k)])) as {
    [K in TrainingSettingName]-?: Check<TrainingSettings[K]>;
  };
}

/** A setting's default for a new model under `recipe`. */
export function defaultOf<K extends SettingName>(name: K, recipe: RecipeName): SettingValues[K] {
  const d = SETTINGS[name].default as SettingValues[K] | ((r: RecipeName) => SettingValues[K]);
  return typeof d === 'function' ? d(recipe) : d;
}

/** How a setting's default reads in help and docs. */
export function defaultText(name: SettingName): string {
  const s: Setting<unknown> = SETTINGS[name];
  if (s.defaultText) return s.defaultText;
  const d = defaultOf(name, 'pytorch');
  return d === null ? 'none' : String(d);
}

/**
 * The settings of a run: each given value, else (resuming a model saved with `saved`) the
 * saved one where the setting resumes, else its default under the run's recipe.
 */
export function resolveSettings(given: Partial<SettingValues>, saved: TrainingSettings | null = null): SettingValues {
  const recipe = given.recipe ?? saved?.recipe ?? defaultOf('recipe', 'pytorch');
  const out = {} as Record<SettingName, unknown>;
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const s: Setting<unknown> = SETTINGS[name];
    const prior = saved && s.resumes && name in TRAINING_SETTINGS ? saved[name as TrainingSettingName] : undefined;
    out[name] = given[name] !== undefined ? given[name] : prior !== undefined ? prior : defaultOf(name, recipe);
  }
  out.recipe = recipe;
  return out as SettingValues;
}

/** Every setting of `values` (an object with more besides). */
export function pickSettings(values: { [K in SettingName]: unknown }): SettingValues {
  return Object.fromEntries((Object.keys(SETTINGS) as SettingName[]).map((k) => [k, values[k]])) as SettingValues;
}

/** The `training` part of a run's settings, as model.json keeps it. */
export function trainingSettingsOf(values: TrainingSettings): TrainingSettings {
  return Object.fromEntries(TRAINING_SETTING_NAMES.map((k) => [k, values[k]])) as TrainingSettings;
}

/**
 * The given settings, each checked against its declaration; undefined values stay unset. An
 * unknown name or a value out of range throws an OptionError naming it (and the known names).
 */
export function checkedSettings<T extends object>(given: T, where = ''): T {
  for (const [name, value] of Object.entries(given)) {
    if (!(name in SETTINGS))
      throw new OptionError(`${where}${name}: not a setting (settings: ${Object.keys(SETTINGS).join(', ')})`);
    if (value === undefined) continue;
    try {
      settingCheck(name as SettingName, false)(value, `${where}${name}`);
    } catch (e) {
      if (e instanceof SchemaError) throw new OptionError(e.message);
      throw e;
    }
  }
  return given;
}

/** A problem between settings: which setting it names, and why. */
export interface SettingsProblem {
  setting: SettingName;
  why: string;
}

/**
 * The checks between settings, and between settings and the data, in one place (the library,
 * train.js, the page and the loop all ask here): null where they agree. Each value on its own
 * is checked by its declaration.
 */
export function settingsProblem(
  s: Pick<SettingValues, 'recipe' | 'precision' | 'classWeights' | 'save' | 'earlyStopping'>,
  data: { classes?: readonly string[] | number; validates?: boolean } = {},
): SettingsProblem | null {
  const precision = precisionProblem(RECIPES[s.recipe], s.precision);
  if (precision) return { setting: 'precision', why: precision };
  if (s.classWeights && data.classes !== undefined) {
    const names = typeof data.classes === 'number' ? null : data.classes;
    const weights = classWeightsProblem(s.classWeights, names?.length ?? (data.classes as number));
    if (weights) return { setting: 'classWeights', why: names ? `${weights} (${names.join(', ')})` : weights };
  }
  if (data.validates === false) {
    if (s.save === 'best') return { setting: 'save', why: "'best' needs validation data to compare epochs by" };
    if (s.earlyStopping !== null)
      return { setting: 'earlyStopping', why: 'needs validation data: early stopping watches the validation loss' };
  }
  return null;
}

/** The settings of the "Keras vs. PyTorch" article's training code: every default (pytorch recipe). */
export const ARTICLE_SETTINGS: Readonly<SettingValues> = Object.freeze(resolveSettings({}));
