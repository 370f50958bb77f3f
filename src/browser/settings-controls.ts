// The page's controls of training settings, built from their declarations (lib.SETTINGS): the
// same kinds, bounds, defaults and docs as train.js's flags, with the flag as the control's id.
import * as lib from 'webgpu-transfer/internals';
import { byId } from './page.js';

const declared = (name: lib.SettingName): lib.Setting<unknown> => lib.SETTINGS[name];
const idOf = (name: lib.SettingName) => declared(name).flag ?? name;

/** A labelled control for the setting, showing its default for `recipe`. */
export function settingControl(name: lib.SettingName, recipe: lib.RecipeName = 'pytorch'): HTMLLabelElement {
  const s = declared(name);
  const label = document.createElement('label');
  label.title = s.doc;
  label.append(`${s.label} `);
  const value = lib.defaultOf(name, recipe);
  const k = s.kind;
  if (k.kind === 'choice') {
    const select = document.createElement('select');
    for (const c of k.choices) select.add(new Option(c, c));
    select.value = String(value);
    select.id = idOf(name);
    label.append(select);
    return label;
  }
  const input = document.createElement('input');
  input.id = idOf(name);
  if (k.kind === 'integer' || k.kind === 'number') {
    input.type = 'number';
    input.step = k.kind === 'integer' ? '1' : 'any';
    if (k.kind === 'integer') input.min = String(k.min);
    else if (k.above !== undefined) input.min = String(k.above);
  }
  input.value = value === null ? '' : String(value);
  label.append(input);
  return label;
}

/** The setting's value in its control, checked against its declaration ("batch size must be ..."). */
export function readSetting<K extends lib.SettingName>(name: K): lib.SettingValues[K] {
  const s = declared(name);
  const text = byId<HTMLInputElement>(idOf(name)).value.trim();
  const numeric = s.kind.kind === 'integer' || s.kind.kind === 'number';
  const value = text === '' && s.nullable ? null : numeric ? (text === '' ? NaN : Number(text)) : text;
  try {
    return lib.settingCheck(name, false)(value, s.label) as lib.SettingValues[K];
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(numeric ? message.replace(/not null$/, `not '${text}'`) : message, { cause: e });
  }
}

/** Shows `value` in the setting's control. */
export function showSetting(name: lib.SettingName, value: unknown): void {
  byId<HTMLInputElement>(idOf(name)).value = value === null || value === undefined ? '' : String(value);
}
