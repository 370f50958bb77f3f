// The training settings' declarations (src/train/settings.ts) and everything derived from them:
// train.js's flags and help, model.json's schema, the library's defaults and checks.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseModelJson, MODEL_FORMAT } from '../../src/train/model-format.js';
import {
  ARTICLE_SETTINGS,
  SETTINGS,
  TRAINING_SETTINGS,
  type SettingName,
  checkedSettings,
  resolveSettings,
  settingsProblem,
  trainingSettingsOf,
} from '../../src/train/settings.js';
import { modelSettings } from '../support/model-settings.js';

const names = Object.keys(SETTINGS) as SettingName[];

describe('training settings, declared once', () => {
  it("default to the article's code: pytorch recipe, 3 epochs of 32 images, Adam 1e-3, 128 hidden units", () => {
    expect(ARTICLE_SETTINGS).toMatchObject({
      recipe: 'pytorch',
      epochs: 3,
      batchSize: 32,
      lr: 1e-3,
      hidden: 128,
      augment: 'full',
      fill: 'constant',
    });
    expect(resolveSettings({ recipe: 'keras' }).fill).toBe('nearest');
  });

  it("train.js has a flag per declared setting, with the declaration's doc, default and choices", () => {
    const help = execFileSync(process.execPath, ['dist/train.js', '--help'], { encoding: 'utf8' });
    for (const name of names) {
      const s = SETTINGS[name];
      if (!s.flag) continue;
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${s.flag} `));
      expect(line, `--${s.flag}`).toBeDefined();
      expect(line).toContain(s.doc.slice(0, 40));
      expect(line).toContain('(default: ');
      if (s.kind.kind === 'choice') expect(line).toContain(s.kind.choices.join('|'));
    }
  });

  it("model.json's schema: every training setting, older files' missing ones read as defaults", () => {
    const json = { format: MODEL_FORMAT, ...modelSettings({ features: 2048, hidden: 4, classes: 2 }) };
    const head = { ...json.head, file: 'head.safetensors', sha256: '0'.repeat(64) };
    const text = (training: object) => JSON.stringify({ ...json, head, training });
    expect(Object.keys(parseModelJson(text(json.training), 'm').training)).toEqual(Object.keys(TRAINING_SETTINGS));
    const older = Object.fromEntries(
      Object.entries(json.training).filter(
        ([k]) => !TRAINING_SETTINGS[k as keyof typeof TRAINING_SETTINGS].olderFilesLack,
      ),
    );
    const read = parseModelJson(text(older), 'm').training;
    expect(read).toEqual({ ...json.training, lrSchedule: 'constant', lrStepEpochs: 7, precision: 'f32' });
    expect(() => parseModelJson(text({ ...json.training, lr: 0 }), 'm')).toThrow(
      'm: model.json: training.lr must be a finite number > 0, not 0',
    );
    expect(() => parseModelJson(text({ ...json.training, lrWarmup: 3 }), 'm')).toThrow(/unknown field lrWarmup/);
  });

  it("resolves a run's settings: given, else the resumed model's where the setting resumes, else the default", () => {
    const saved = trainingSettingsOf(
      resolveSettings({ recipe: 'keras', lr: 0.01, limit: 5, save: 'best', earlyStopping: 2, seed: 9 }),
    );
    const run = resolveSettings({ seed: 3 }, saved);
    expect(run).toMatchObject({ recipe: 'keras', lr: 0.01, seed: 3, fill: 'nearest' });
    // Per-run settings start over.
    expect(run).toMatchObject({ limit: null, save: 'last', earlyStopping: null, epochs: 3 });
  });

  it('refuses unknown settings and values out of their declared range, naming them', () => {
    expect(() => checkedSettings({ batchSize: 4, lrWarmup: 2 })).toThrow(InputError);
    expect(() => checkedSettings({ lrWarmup: 2 })).toThrow(/lrWarmup: not a setting \(settings: recipe, batchSize/);
    expect(() => checkedSettings({ batchSize: 0 })).toThrow('batchSize must be an integer >= 1, not 0');
    expect(() => checkedSettings({ recipe: 'tf' })).toThrow('recipe must be one of pytorch, keras, frozen, not "tf"');
    expect(checkedSettings({ lr: undefined, earlyStopping: null })).toEqual({ lr: undefined, earlyStopping: null });
  });

  it('checks settings against each other and the data in one place', () => {
    const s = resolveSettings({});
    expect(settingsProblem(s)).toBeNull();
    expect(settingsProblem({ ...s, precision: 'f16' })?.setting).toBe('precision');
    expect(settingsProblem({ ...s, recipe: 'frozen', precision: 'f16' })).toBeNull();
    expect(settingsProblem({ ...s, classWeights: [1, 2, 3] }, { classes: ['a', 'b'] })).toEqual({
      setting: 'classWeights',
      why: '3 weights for 2 classes (a, b)',
    });
    expect(settingsProblem({ ...s, save: 'best' }, { validates: false })?.setting).toBe('save');
    expect(settingsProblem({ ...s, earlyStopping: 2 }, { validates: false })?.setting).toBe('earlyStopping');
    expect(settingsProblem({ ...s, earlyStopping: 2 }, { validates: true })).toBeNull();
  });
});
