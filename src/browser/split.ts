// Which of the page's images train and which are held out: a validation/ folder's images where
// there are any, else the validation share of each class, chosen by the seed (as train.js's
// --val-split and the library's validationSplit choose it).
import * as lib from 'webgpu-transfer/internals';
import { byId } from './page.js';
import type { Item, PageClass } from './page-state.js';
import { readSetting } from './settings-controls.js';

export interface Labelled {
  item: Item;
  label: number;
}

/** The validation share control's value: a fraction in [0, 1). */
function share(): number {
  const text = byId<HTMLInputElement>('val-share').value.trim();
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || v < 0 || v >= 1)
    throw new Error(`validation share: '${text}' is not a number >= 0 and < 1`);
  return v;
}

export function splitItems(classes: readonly PageClass[]): {
  all: Labelled[];
  train: Labelled[];
  validation: Labelled[];
  share: number | null;
} {
  const all = classes.flatMap((c, label) => c.items.map((item) => ({ item, label })));
  if (all.some((x) => x.item.heldOut))
    return {
      all,
      train: all.filter((x) => !x.item.heldOut),
      validation: all.filter((x) => x.item.heldOut),
      share: null,
    };
  const fraction = share();
  if (fraction === 0) return { all, train: all, validation: [], share: null };
  const parts = lib.splitByClass(all, (x) => x.label, classes.length, fraction, readSetting('seed'));
  return { all, ...parts, share: fraction };
}

/** The held-out images (none while the share or seed control holds something unusable). */
export function heldOutSet(classes: readonly PageClass[]): Set<Item> {
  try {
    return new Set(splitItems(classes).validation.map((x) => x.item));
  } catch {
    return new Set();
  }
}
