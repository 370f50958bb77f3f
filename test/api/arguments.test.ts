// The library's API refuses what it does not understand: unknown options (naming them and the
// known ones, and where a misplaced one belongs), arguments of the wrong type (naming the
// argument and what it takes), URLs given to save(), and weight names that are not files (with
// how to get weights). Classifier.create takes its class names from a folder, and evaluate()
// gives the metrics evaluate.js prints.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backbone, Classifier, InputError, OptionError } from '../../src/index.node.js';
import { useGpu } from '../support/helpers.js';
import { runTool } from '../support/tools.js';

const ctx = useGpu();
const DATASET = '../shared/datasets/alien-vs-predator';
const dir = mkdtempSync(join(tmpdir(), 'arguments-'));
let backbone: Backbone;

beforeAll(async () => {
  backbone = await Backbone.load('random:1', { gpu: ctx.gpu });
});
afterAll(() => {
  backbone?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** `promise` (or `call`) rejects with an OptionError whose message matches `message`. */
async function refused(call: () => unknown, message: RegExp): Promise<void> {
  let error: unknown = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an OptionError matching ${message}`).toBeInstanceOf(OptionError);
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).toMatch(message);
}

const tiny = { images: [{ width: 2, height: 2, data: new Uint8Array(12) }], labels: ['a'] };

describe('the API refuses what it does not understand', () => {
  it('Classifier.create: the backbone, the class names and each option, by name', async () => {
    const untyped = Classifier.create as (...args: unknown[]) => Classifier;
    await refused(() => untyped(backbone), /^Classifier\.create: classes must be the class names .* not undefined$/);
    await refused(() => untyped(backbone, 2), /classes must be .* not a number \(2\)$/);
    await refused(() => untyped({}, ['a', 'b']), /the first argument is the backbone .* not a Object$/);
    await refused(
      () => untyped('random:1', ['a', 'b']),
      /first argument is the backbone .* not a string \('random:1'\)/,
    );
    await refused(
      () => Classifier.create(backbone, ['a', 'b'], { batchsize: 4 } as object),
      /^Classifier\.create: unknown option 'batchsize' \(options: recipe, batchSize, lr, /,
    );
    await refused(() => Classifier.create(backbone, ['a', 'b'], { epochs: 3 } as object), /unknown option 'epochs'/);
    await refused(
      () => Classifier.create(backbone, ['a', 'b'], { lr: -1 }),
      /^lr must be a finite number > 0, not -1$/,
    );
    await refused(() => Classifier.create(backbone, ['a', 'b'], { recipe: 'tf' as 'keras' }), /recipe must be one of/);
  });

  it('fit: unknown options with where they belong, and options of the wrong type', async () => {
    const c = Classifier.create(backbone, ['a', 'b'], { recipe: 'frozen', hidden: 4 });
    const fit = (options: object) => c.fit(tiny, options);
    await refused(
      () => fit({ batchSize: 4 }),
      new RegExp(
        "^fit: unknown option 'batchSize'; batchSize is the classifier's setting: " +
          String.raw`Classifier\.create\(backbone, classes, \{ batchSize \}\) \(options: epochs, `,
      ),
    );
    await refused(() => fit({ callbacks: {} }), /'callbacks'; give onEpochStart, onBatch and onEpoch as options/);
    await refused(() => fit({ onEpochEnd: () => {} }), /'onEpochEnd'; the callback after each epoch is onEpoch/);
    await refused(() => fit({ progress: {} }), /^fit: progress must be a function, not a Object$/);
    await refused(() => fit({ epochs: 0 }), /^fit: epochs must be an integer >= 1, not a number \(0\)$/);
    await refused(() => fit({ signal: 'stop' }), /signal must be an AbortSignal/);
    await refused(() => c.fit(tiny, 3 as unknown as object), /^fit: options must be an object, not a number \(3\)$/);
    c.dispose();
  });

  it('load, save and Backbone.load: what each argument is, URLs and weight names explained', async () => {
    const untypedLoad = Classifier.load as (...args: unknown[]) => Promise<Classifier>;
    await refused(() => untypedLoad('m1'), /^Classifier\.load: the first argument is the backbone/);
    await refused(() => untypedLoad(backbone, 5), /second argument is the model folder, not a number \(5\)/);
    const c = Classifier.create(backbone, ['a', 'b'], { hidden: 4 });
    const url = `file://${join(dir, 'x')}`;
    await refused(() => c.save(url), /^save: give a folder path, not a URL \(file:\/\//);
    expect(existsSync('file:')).toBe(false);
    c.dispose();
    await refused(
      () => Backbone.load(42 as unknown as string),
      /^Backbone\.load: give random:SEED, .* not a number \(42\)$/,
    );
    await refused(
      () => Backbone.load('random:1', { gpu: ctx.gpu, device: 1 } as object),
      /^Backbone\.load: unknown option 'device' \(options: gpu, name\)$/,
    );
    const missing = await Backbone.load('imagenet', { gpu: ctx.gpu }).catch((e: Error) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as Error).message).toMatch(/'random:SEED' for random weights$/);
    expect((missing as Error).message).toMatch(
      /^imagenet: cannot read \(ENOENT\); for the pretrained ResNet-50 run `npx webgpu-transfer fetch-weights` .*/,
    );
  });
});

describe.skipIf(!existsSync(DATASET))('class names from a folder, and evaluate()', () => {
  const data = join(dir, 'data');
  beforeAll(() => {
    for (const split of ['train', 'validation'])
      for (const c of ['alien', 'predator']) {
        mkdirSync(join(data, split, c), { recursive: true });
        for (let i = 0; i < 2; i++) copyFileSync(join(DATASET, split, c, `${i}.jpg`), join(data, split, c, `${i}.jpg`));
      }
  });

  it("takes the folder's classes, and evaluates as evaluate.js does", async () => {
    const c = Classifier.create(backbone, data, { recipe: 'frozen', hidden: 8, seed: 3 });
    expect(c.classes).toEqual(['alien', 'predator']);
    const e = await c.evaluate(data);
    expect(e.images).toBe(4);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(4);
    expect(e.accuracy).toBe(e.correct / 4);
    expect(e.perClass.map((m) => m.class)).toEqual(['alien', 'predator']);
    const model = join(dir, 'model');
    await c.save(model);
    const out = join(dir, 'evaluation.json');
    const r = runTool('evaluate', '--model', model, '--data', data, '--json', out);
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(readFileSync(out, 'utf8'));
    expect(printed.confusion).toEqual(e.confusion);
    expect(printed.accuracy).toBe(e.accuracy);
    expect(printed.macro.f1).toBeCloseTo(e.macro.f1, 12);
    c.dispose();
  });
});
