// Hostile and careless model folders: every value of model.json is validated on load (one
// line naming the field), files it names stay inside the folder and are regular files, and a
// save never replaces a good model with NaN weights or a model.json that would not load.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEAD_PARAMETERS, initHead } from '../../src/autograd/head.js';
import { renderReport } from '../../src/render/report.node.js';
import { loadModel, saveModel } from '../../src/train/model-files.node.js';
import { ModelError } from '../../src/train/model-format.js';
import { saveTestModel } from '../support/saved-model.js';

/** model.json as a test edits it: any field, any value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EditableJson = any;

const root = mkdtempSync(join(tmpdir(), 'hostile-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const shape = { features: 2048, hidden: 8, classes: 2 };
let count = 0;
/** A valid saved model in a fresh folder. */
function goodModel(): string {
  const dir = join(root, `m${count++}`);
  saveTestModel(dir, shape, 1, (json) => {
    json.history = [
      {
        epoch: 1,
        train: { loss: 0.5, acc: 0.75 },
        validation: { loss: 0.6, acc: 0.7 },
        seconds: 3,
        imagesPerSecond: 9,
      },
    ];
  });
  return dir;
}

/** A good model whose model.json was edited by `edit`. */
function edited(edit: (json: EditableJson) => void): string {
  const dir = goodModel();
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  edit(json);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

describe('model.json is validated field by field on load', () => {
  for (const [what, edit, message] of [
    [
      'a learning rate that is text',
      (j) => (j.training.lr = 'abc'),
      /training\.lr must be a finite number > 0, not "abc"/,
    ],
    ['a batch size of 0', (j) => (j.training.batchSize = 0), /training\.batchSize must be an integer >= 1, not 0/],
    ['no backbone', (j) => delete j.backbone, /backbone must be an object, not undefined/],
    [
      'an epoch that is markup',
      (j) => (j.history[0].epoch = '<script>alert(1)</script>'),
      /history\[0\]\.epoch must be an integer/,
    ],
    [
      'a head file outside the folder',
      (j) => (j.head.file = '../x'),
      /head\.file must be a file name in the model folder/,
    ],
    ['a head file that is a device', (j) => (j.head.file = '/dev/zero'), /head\.file must be a file name/],
    [
      'an unknown augmentation',
      (j) => (j.training.augment = 'wild'),
      /training\.augment must be one of full, flip, none/,
    ],
    [
      'a NaN loss (written as null)',
      (j) => (j.history[0].train.loss = null),
      /history\[0\]\.train\.loss must be a finite number/,
    ],
    [
      'class names equal after Unicode normalization',
      (j) => (j.classes = ['caf\u00e9', 'cafe\u0301']),
      /classes names a class twice/,
    ],
    ['an unknown field', (j) => (j.training.lrr = 1), /training has an unknown field lrr/],
  ] as [string, (j: EditableJson) => void, RegExp][]) {
    it(`refuses ${what}`, () => {
      const dir = edited(edit);
      expect(() => loadModel(dir)).toThrow(ModelError);
      expect(() => loadModel(dir)).toThrow(message);
    });
  }

  it('refuses a head file that links to a device instead of reading it', () => {
    const dir = goodModel();
    rmSync(join(dir, 'head.safetensors'));
    symlinkSync('/dev/zero', join(dir, 'head.safetensors'));
    expect(() => loadModel(dir)).toThrow(/head\.safetensors is not a regular file/);
  });

  it('predict.js reports a crafted model.json in one line, exit 2', () => {
    const dir = edited((j) => (j.training.lr = 'abc'));
    const r = spawnSync(process.execPath, ['dist/predict.js', '--model', dir, 'x.jpg'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^error: .*model\.json: training\.lr must be a finite number/);
  });
});

describe('the HTML report', () => {
  it('escapes every text a model folder gives it', () => {
    const dir = edited((j) => {
      j.classes = ['<script>alert(1)</script>', 'predator'];
      j.backbone.weights = '"><img src=x onerror=alert(2)>';
    });
    const html = renderReport(loadModel(dir).json, []);
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });
});

describe('a save never replaces a good model with a worse-formed one', () => {
  it('refuses NaN weights and leaves the previous model loadable', () => {
    const dir = goodModel();
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    const head = initHead(shape, 2);
    head['fc2.bias'][0] = NaN;
    const zeros = () => HEAD_PARAMETERS.map((name) => new Float32Array(head[name].length));
    const json = JSON.parse(before);
    delete json.format;
    expect(() => saveModel(dir, json, head, { step: 2, m: zeros(), v: zeros() })).toThrow(
      /not saved: fc2\.bias holds NaN or infinite values/,
    );
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'head.safetensors.new'))).toBe(false);
    expect(loadModel(dir).json.history).toHaveLength(1);
  });

  it('refuses a NaN loss in the history before writing anything', () => {
    const dir = goodModel();
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    const json = JSON.parse(before);
    delete json.format;
    json.history.push({ ...json.history[0], epoch: 2, train: { loss: NaN, acc: 0.5 } });
    const head = initHead(shape, 2);
    const zeros = () => HEAD_PARAMETERS.map((name) => new Float32Array(head[name].length));
    expect(() => saveModel(dir, json, head, { step: 2, m: zeros(), v: zeros() })).toThrow(
      /\(not saved\).*loss must be a finite/,
    );
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(before);
  });
});
