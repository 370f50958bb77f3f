// The library's high-level API (Backbone, Classifier) under Node: fit on arrays and iterables
// with callbacks and an AbortSignal, predict, toBytes/fromBytes and save/load giving the same
// probabilities, no growth of GPU memory across repeated calls, and typed errors for bad input.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Backbone,
  Classifier,
  DisposedError,
  type EpochRecord,
  FitAbortedError,
  ImageInputError,
  InputError,
  LabelError,
  ModelError,
  type RgbImage,
  syntheticBackbone,
} from '../../src/internals.node.js';
import { Gpu } from '../../src/gpu/context.js';
import { useGpu } from '../support/helpers.js';

const ctx = useGpu();

/** Small random images; class 1's are brighter, so two epochs can tell them apart. */
function images(n: number, seed: number): { images: RgbImage[]; labels: string[] } {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const out: RgbImage[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const width = 24 + (i % 3) * 5,
      height = 20 + (i % 2) * 7;
    const bright = i % 2;
    const data = Uint8Array.from({ length: width * height * 3 }, () => Math.floor((bright ? 128 : 0) + next() * 127));
    out.push({ width, height, data });
    labels.push(bright ? 'light' : 'dark');
  }
  return { images: out, labels };
}

describe('Backbone and Classifier', () => {
  let backbone: Backbone;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'api-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    backbone = await Backbone.load(syntheticBackbone(1, 'resnet18'), { gpu: ctx.gpu });
  });
  afterAll(() => {
    backbone?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('fits on arrays with callbacks and predicts the same after toBytes/fromBytes and save/load', async () => {
    const classifier = Classifier.create(backbone, ['dark', 'light'], { batchSize: 2, hidden: 16, augment: 'flip' });
    const batches: number[] = [];
    const epochs: EpochRecord[] = [];
    const train = images(4, 1);
    const history = await classifier.fit(train, {
      epochs: 2,
      validation: images(2, 2),
      onBatch: (r) => batches.push(r.batch),
      onEpoch: (r) => void epochs.push(r),
    });
    expect(batches).toEqual([1, 2, 1, 2]);
    expect(history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(epochs).toEqual(history);
    expect(history[1].validation!.acc).toBeGreaterThanOrEqual(0);
    const probe = images(2, 3).images;
    const before = await classifier.predict(probe);
    expect(before).toHaveLength(2);
    for (const p of before) {
      expect(p.probabilities.dark + p.probabilities.light).toBeCloseTo(1, 5);
      expect(p.label).toBe(p.probabilities.dark > p.probabilities.light ? 'dark' : 'light');
      expect(p.caption).toMatch(/^\d+% (dark|light), \d+% (dark|light)$/);
    }
    // The pytorch recipe's running statistics changed the backbone the predictions run.
    const { modelJson, head } = await classifier.toBytes();
    const fromBytes = await Classifier.fromBytes(backbone, modelJson, head);
    expect(await fromBytes.predict(probe)).toEqual(before);
    expect(fromBytes.history).toEqual(history);
    const dir = tempDir();
    await classifier.save(dir);
    expect(readdirSync(dir).sort()).toEqual(['head.safetensors', 'model.json']);
    const loaded = await Classifier.load(backbone, dir);
    expect(await loaded.predict(probe)).toEqual(before);
    // One image alone, as bytes of a PNG written by the Node tools, is accepted too.
    expect((await loaded.predict(probe[0]))[0]).toEqual(before[0]);
    // Training continues from the loaded state: epoch 3.
    expect((await loaded.fit(train, { epochs: 1 })).map((r) => r.epoch)).toEqual([3]);
    for (const c of [classifier, fromBytes, loaded]) c.dispose();
  });

  it('says "compiling kernels k/N (once per machine)" while a new device compiles its kernels', async () => {
    const gpu = await Gpu.create({ log: false });
    try {
      const fresh = await Backbone.load(syntheticBackbone(1, 'resnet18'), { gpu });
      const { images: pictures, labels } = images(4, 11);
      const notes: string[] = [];
      const told: [number, number][] = [];
      const stop = fresh.onCompile((done, total) => told.push([done, total]));
      await fresh.features(pictures.slice(0, 2), { progress: (_, note) => note && notes.push(note) });
      stop();
      // Every kernel of the forward, counted from 0 to all of them, each step said.
      const total = told[0][1];
      expect(told).toEqual(Array.from({ length: total + 1 }, (_, k) => [k, total]));
      expect(notes).toEqual(told.map(([k, n]) => `compiling kernels ${k}/${n} (once per machine)`));
      // The training forward's kernels are new too: fit's phase hears them.
      const heard: string[] = [];
      const classifier = Classifier.create(fresh, ['dark', 'light'], { recipe: 'pytorch', batchSize: 2 });
      await classifier.fit(
        { images: pictures, labels },
        {
          epochs: 1,
          progress: (label) => ({
            update: (_, note) => note && heard.push(`${label}: ${note}`),
            finish: () => {},
          }),
        },
      );
      const compiling = heard.filter((h) => h.includes('compiling'));
      expect(compiling.length).toBeGreaterThan(0);
      for (const h of compiling) expect(h).toMatch(/^epoch 1: compiling kernels \d+\/\d+ \(once per machine\)$/);
      // Compiled once: a second call is silent.
      notes.length = 0;
      await fresh.features(pictures.slice(2), { progress: (_, note) => note && notes.push(note) });
      expect(notes).toEqual([]);
      classifier.dispose();
      fresh.dispose();
    } finally {
      gpu.destroy();
    }
  });

  it('takes an async iterable of labelled images, with class indices', async () => {
    const classifier = Classifier.create(backbone, ['dark', 'light'], { recipe: 'frozen', batchSize: 3, hidden: 8 });
    const data = images(5, 4);
    async function* pairs() {
      for (let i = 0; i < data.images.length; i++) yield { image: data.images[i], label: i % 2 };
    }
    const history = await classifier.fit(pairs(), { epochs: 1 });
    expect(history).toHaveLength(1);
    expect(history[0].validation).toBeNull();
    // A validation share holds out a quarter of each class (the split train.js --val-split makes).
    const [held] = await classifier.fit(data, { epochs: 1, validationSplit: 0.25 });
    expect(held.validation!.confusion!.map((row) => row[0] + row[1])).toEqual([1, 1]);
    expect(JSON.parse((await classifier.toBytes()).modelJson).training.validationSplit).toBe(0.25);
    await expect(classifier.fit(data, { validationSplit: 1 })).rejects.toThrow(/validationSplit: 1 is not a fraction/);
    classifier.dispose();
  });

  it('stops early, keeps the best epoch, schedules the learning rate and balances the classes', async () => {
    const classifier = Classifier.create(backbone, ['dark', 'light'], {
      recipe: 'frozen',
      augment: 'none',
      batchSize: 3,
      hidden: 8,
      lr: 0.01,
      lrSchedule: 'cosine',
      classWeights: 'auto',
      earlyStopping: 2,
      save: 'best',
    });
    // 2 dark, 4 light; validated on the same images with the labels swapped, so validation loss
    // is lowest after epoch 1 and rises as training fits.
    const train = images(6, 8);
    train.labels.splice(0, 2, 'light', 'light');
    const swapped = { images: train.images, labels: train.labels.map((l) => (l === 'dark' ? 'light' : 'dark')) };
    const heads: Uint8Array[] = [];
    const records = await classifier.fit(train, {
      epochs: 6,
      validation: swapped,
      onEpoch: async () => void heads.push((await classifier.toBytes()).head),
    });
    expect(records.map((r) => r.lr)).toEqual([0.01, (0.01 * (1 + Math.cos(Math.PI / 6))) / 2, 0.0075]);
    expect(classifier.stoppedEarly).toEqual({ epoch: 3, bestEpoch: 1 });
    // The classifier holds epoch 1: its head, Adam state and history.
    expect(classifier.history.map((r) => r.epoch)).toEqual([1]);
    expect((await classifier.toBytes()).head).toEqual(heads[0]);
    const json = JSON.parse((await classifier.toBytes()).modelJson);
    expect(json.training).toMatchObject({ lrSchedule: 'cosine', earlyStopping: 2, save: 'best' });
    // scikit-learn's 'balanced': 6 / (2 x 2) and 6 / (2 x 4).
    expect(json.training.classWeights).toEqual([1.5, 0.75]);
    await expect(classifier.fit(train, { epochs: 1 })).rejects.toThrow(/save: 'best' needs validation data/);
    classifier.dispose();
  });

  it('keeps GPU memory flat across repeated fit and predict calls', async () => {
    const { gpu } = ctx;
    const classifier = Classifier.create(backbone, ['dark', 'light'], { batchSize: 2, hidden: 8 });
    const data = images(2, 5);
    const round = async () => {
      await classifier.fit(data, { epochs: 1 });
      await classifier.predict(data.images);
    };
    await round();
    const allocated = gpu.pool.allocatedBytes;
    await round();
    expect(gpu.pool.allocatedBytes).toBe(allocated);
    classifier.dispose();
  });

  it('stops at its AbortSignal, keeping the epochs before it', async () => {
    const classifier = Classifier.create(backbone, ['dark', 'light'], { recipe: 'frozen', batchSize: 2, hidden: 8 });
    const abort = new AbortController();
    const run = classifier.fit(images(6, 6), {
      epochs: 3,
      signal: abort.signal,
      onEpoch: (r) => {
        if (r.epoch === 1) abort.abort();
      },
    });
    await expect(run).rejects.toThrow(FitAbortedError);
    await expect(run).rejects.toThrow(/after 1 complete epoch/);
    expect(classifier.history).toHaveLength(1);
    classifier.dispose();
  });

  it('refuses bad input with typed errors that name the problem', async () => {
    const classifier = Classifier.create(backbone, ['dark', 'light'], { hidden: 8 });
    const data = images(2, 7);
    await expect(classifier.predict(42 as never)).rejects.toThrow(ImageInputError);
    await expect(classifier.predict([data.images[0], { width: 2 } as never])).rejects.toThrow(
      /image 1: a Object is not an image/,
    );
    await expect(classifier.predict(new Uint8Array([1, 2, 3]))).rejects.toThrow(
      /image 0: not a JPEG, PNG, BMP, GIF or WebP image/,
    );
    await expect(classifier.fit({ images: data.images, labels: ['dark', 'grey'] })).rejects.toThrow(LabelError);
    await expect(classifier.fit({ images: data.images, labels: ['dark', 'grey'] })).rejects.toThrow(
      /image 1: unknown label 'grey' \(classes: dark, light\)/,
    );
    await expect(classifier.fit({ images: data.images, labels: [0, 2] })).rejects.toThrow(
      /label 2 is not a class index/,
    );
    await expect(classifier.fit({ images: data.images, labels: ['dark'] })).rejects.toThrow(/2 images but 1 labels/);
    expect(() => Classifier.create(backbone, ['only'])).toThrow(LabelError);
    expect(() => Classifier.create(backbone, ['a', 'b'], { recipe: 'keras' })).toThrow(InputError);
    // A model saved on other backbone weights.
    const other = await Backbone.load(syntheticBackbone(2, 'resnet18'), { gpu: ctx.gpu });
    const { modelJson, head } = await classifier.toBytes();
    await expect(Classifier.fromBytes(other, modelJson, head)).rejects.toThrow(ModelError);
    await expect(Classifier.fromBytes(other, modelJson, head)).rejects.toThrow(/made for backbone weights/);
    await expect(Classifier.fromBytes(backbone, modelJson, head.subarray(1))).rejects.toThrow(/sha256 differs/);
    await expect(Classifier.load(backbone, join(tempDir(), 'none'))).rejects.toThrow(/no such model folder/);
    other.dispose();
    classifier.dispose();
    await expect(classifier.predict(data.images)).rejects.toThrow(DisposedError);
    await expect(classifier.toBytes()).rejects.toThrow(/Classifier was used after dispose\(\)/);
  });

  it('loads backbones from random:SEED and weight bytes, and refuses other things', async () => {
    const random = await Backbone.load('random:3', { gpu: ctx.gpu });
    expect(random.weights.spec.name).toBe('resnet50');
    expect(random.weights.synthetic).toBe(true);
    random.dispose();
    expect(() => random.model()).toThrow(DisposedError);
    await expect(Backbone.load(42 as never, { gpu: ctx.gpu })).rejects.toThrow(InputError);
    await expect(Backbone.load(new Uint8Array([1, 2, 3]), { gpu: ctx.gpu, name: 'x.bin' })).rejects.toThrow(/x\.bin/);
    await expect(Backbone.load('/no/such/weights.safetensors', { gpu: ctx.gpu })).rejects.toThrow(
      /no\/such\/weights\.safetensors: cannot read \(ENOENT\)/,
    );
  });
});
