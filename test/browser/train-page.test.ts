// The training page (dist/browser/index.html) driven end to end in headless Chromium (WebGPU
// on SwiftShader) through its real controls, the ids docs/browser.md documents:
// - weights: a bad file is refused on the page; a weights file is kept in OPFS, and a second
//   visit starts from it without asking;
// - a folder pick of 8 + 8 images of the dataset, random:1, seed 7, no augmentation, 3
//   epochs, a quarter held out: the exported head equals `node dist/train.js --val-split 0.25`
//   on the same folder within 1e-5, and `predict.js` on the export gives the page's
//   probabilities within 1e-5;
// - the webcam (Chromium's fake camera): frames recorded into each class, trained, stopped
//   after the first epoch (its model kept), live bars;
// - a model for other weights, a class with no images and a denied camera get messages.
// The frozen recipe keeps the run short: SwiftShader takes seconds per ResNet-50 image here.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESNETS, plan } from '../../src/model/architecture.js';
import { syntheticWeights } from '../../src/model/synthetic.js';
import { parseSafetensors, serializeSafetensors } from '../../src/weights/safetensors.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { DATASET, saveTestModel } from '../support/saved-model.js';
import { CHROMIUM, SITE, serveSite } from '../support/site.js';
import { runTool } from '../support/tools.js';

const ready = existsSync(join(SITE, 'index.html')) && existsSync('dist/train.js') && existsSync(CHROMIUM);
const SHOTS = process.env.PAGE_SCREENSHOTS;
const PER_CLASS = 8;

describe.skipIf(!ready)('the training page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-page-'));
  let site: Awaited<ReturnType<typeof serveSite>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const status = () => page.textContent('#status');
  const until = (predicate: string, timeout = 600_000) =>
    page.waitForFunction(predicate, null, { timeout, polling: 250 });
  const statusError = async () => (await page.getAttribute('#status', 'class')) === 'error';
  /** With PAGE_SCREENSHOTS=DIR: the page now at desktop width and at phone width (390 px). */
  const shot = async (name: string) => {
    if (!SHOTS) return;
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize(desktop);
  };
  const open = async () => {
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${site.origin}/`);
    await until('document.body.dataset.ready === "true"', 120_000);
  };
  beforeAll(async () => {
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
    site = await serveSite();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--enable-unsafe-webgpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await open();
  });

  afterAll(async () => {
    await browser?.close();
    site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses bad weights on the page, keeps a weights file in OPFS, and a second visit does not ask', async () => {
    await page.click('#train');
    expect(await status()).toBe('choose the backbone weights first (step 1)');
    expect(await statusError()).toBe(true);

    const bad = join(dir, 'other.safetensors');
    writeFileSync(
      bad,
      serializeSafetensors(new Map([['x', { dtype: 'float32', shape: [2], data: new Float32Array(2) }]])),
    );
    await page.setInputFiles('#weights-file', bad);
    await until('document.querySelector("#weights-status").classList.contains("error")');
    expect(await page.textContent('#weights-status')).toMatch(/^other\.safetensors: .*(architecture|ResNet)/i);

    // A URL that is not there, then a ResNet-18 (the smallest the loader knows) from a URL:
    // read with a progress bar, kept, and found again on the next visit.
    await page.fill('#weights-url', `${site.origin}/missing.safetensors`);
    await page.click('#weights-fetch');
    await until('document.querySelector("#weights-status").classList.contains("error")');
    expect(await page.textContent('#weights-status')).toMatch(/missing\.safetensors: HTTP 404/);
    const weights = serializeSafetensors(syntheticWeights(plan(RESNETS.resnet18), 3, true));
    const url = 'https://weights.example/resnet18.safetensors';
    await page.route(url, (route) =>
      route.fulfill({ body: Buffer.from(weights), contentType: 'application/octet-stream' }),
    );
    await page.fill('#weights-url', url);
    await page.click('#weights-fetch');
    await until('/kept in this browser|error/.test(document.querySelector("#weights-status").textContent)');
    expect(await page.getAttribute('#weights-progress', 'value')).toBe('1');
    expect(await page.textContent('#weights-status')).toMatch(
      /^resnet18\.safetensors: resnet18, .*kept in this browser$/,
    );
    await page.close();
    await open();
    expect(await page.textContent('#weights-status')).toMatch(
      /^resnet18\.safetensors: resnet18, .*from this browser's storage$/,
    );
    expect(await page.textContent('#adapter')).toMatch(/^WebGPU: \S/);
  }, 300_000);

  it('trains on a folder of 8 + 8 images as train.js does, exports, and predict.js agrees', async () => {
    const data = join(dir, 'subset');
    for (const c of ['alien', 'predator']) {
      mkdirSync(join(data, 'train', c), { recursive: true });
      for (let i = 0; i < PER_CLASS; i++)
        copyFileSync(join(DATASET, 'train', c, `${i}.jpg`), join(data, 'train', c, `${i}.jpg`));
    }
    writeFileSync(join(data, 'train', 'alien', 'notes.txt'), 'not an image');
    await page.fill('#weights-seed', '1');
    await page.click('#weights-random');
    await until('/^backbone ready: random:1$|error/.test(document.querySelector("#status").textContent)');
    expect(await status()).toBe('backbone ready: random:1');
    // Two empty classes to start with: training says what is missing.
    await page.click('#train');
    expect(await status()).toBe("class 'Class 1' has no images: add some, or remove the class");

    await page.setInputFiles('#folder', data);
    await until('/images in|error/.test(document.querySelector("#status").textContent)');
    expect(await status()).toBe('16 images in 2 classes');
    expect(await page.$$eval('.class-name', (all) => all.map((e) => (e as HTMLInputElement).value))).toEqual([
      'alien',
      'predator',
    ]);
    await page.selectOption('#recipe', 'frozen');
    // Everything but the recipe and the epochs sits under Advanced, closed at first.
    expect(await page.isVisible('#augment')).toBe(false);
    await page.click('#advanced summary');
    await page.selectOption('#augment', 'none');
    await page.fill('#val-share', '0.25');
    await page.fill('#seed', '7');
    await page.fill('#epochs', '3');
    await page.dispatchEvent('#val-share', 'change');
    expect(await page.$$eval('.class-count', (all) => all.map((e) => e.textContent))).toEqual([
      '8 images (2 held out)',
      '8 images (2 held out)',
    ]);
    expect(await page.textContent('.class[data-index="0"] .class-skipped')).toMatch(/notes\.txt: not an image/);
    await shot('1-classes');

    await page.click('#train');
    // The status line says what runs now; no word of a confusion matrix before an epoch ends.
    await until('/^training|error/.test(document.querySelector("#status").textContent)');
    expect(await status()).toBe('training 3 epochs on 12 images…');
    expect(await page.textContent('#confusion')).toBe('');
    // The GPU work is awaited, not waited for: the page answers while the backbone runs.
    await until('/features/.test(document.querySelector("#train-status").textContent)');
    const asked = performance.now();
    await page.evaluate(() => document.querySelector('#train-status')!.textContent);
    expect(performance.now() - asked).toBeLessThan(2000);
    await until('!document.querySelector("#train").disabled');
    expect(await page.textContent('#train-status')).toMatch(/^trained 3 epochs in /);
    expect(await status()).toBe(await page.textContent('#train-status'));
    await shot('2-trained');
    expect(await page.$$eval('#history tr[data-epoch]', (rows) => rows.length)).toBe(3);
    expect(await page.$$eval('#loss-chart path', (paths) => paths.length)).toBe(2);
    const counts = JSON.parse((await page.getAttribute('#confusion', 'data-counts'))!) as number[][];
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(4);
    expect(counts.map((row) => row[0] + row[1])).toEqual([2, 2]);

    // Export: the zip the page downloads holds the CLI's model folder.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-zip')]);
    const files = unzipSync(readFileSync(await download.path()));
    const exported = join(dir, 'exported');
    mkdirSync(exported);
    writeFileSync(join(exported, 'model.json'), files['model/model.json']);
    writeFileSync(join(exported, 'head.safetensors'), files['model/head.safetensors']);

    const cli = join(dir, 'cli');
    const run = runTool(
      'train',
      ...['--data', data, '--val-split', '0.25', '--weights', 'random:1', '--seed', '7'],
      ...['--recipe', 'frozen', '--augment', 'none', '--epochs', '3', '--out', cli],
    );
    expect(run.status, run.stderr).toBe(0);
    const ours = parseSafetensors(readFileSync(join(exported, 'head.safetensors')), 'page').tensors;
    const theirs = parseSafetensors(readFileSync(join(cli, 'head.safetensors')), 'cli').tensors;
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    let worstHead = 0;
    for (const [name, t] of theirs) {
      const a = toFloat32(ours.get(name)!);
      const b = toFloat32(t);
      let worst = 0;
      for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, name).toBeLessThan(1e-5);
      worstHead = Math.max(worstHead, worst);
    }
    const pageJson = JSON.parse(Buffer.from(files['model/model.json']).toString('utf8'));
    const cliJson = JSON.parse(readFileSync(join(cli, 'model.json'), 'utf8'));
    expect(pageJson.training).toMatchObject({ ...cliJson.training, data: 'page' });
    expect(pageJson.training.validationSplit).toBe(0.25);
    pageJson.history.forEach((h: { validation: { confusion: number[][] } }, i: number) =>
      expect(h.validation.confusion).toEqual(cliJson.history[i].validation.confusion),
    );

    // Dropped images get captions; predict.js on the export gives the same probabilities.
    const images = [join(DATASET, 'validation', 'alien', '0.jpg'), join(DATASET, 'validation', 'predator', '0.jpg')];
    await page.setInputFiles('#predict-files', images);
    await until(
      'document.querySelectorAll("#predictions figure").length === 2 || ' +
        'document.querySelector("#status").classList.contains("error")',
    );
    const figures = await page.$$eval('#predictions figure', (all) =>
      all.map((f) => ({
        caption: f.querySelector('figcaption')!.textContent!,
        probabilities: JSON.parse((f as HTMLElement).dataset.probabilities!) as number[],
        // Each dropped image gets a bar per class, as the webcam's live view does.
        bars: Array.from(f.querySelectorAll('.bar'), (b) => Number((b as HTMLElement).dataset.probability)),
      })),
    );
    for (const f of figures) expect(f.bars).toEqual(f.probabilities);
    // At phone width (390 px), with the history, the confusion matrix and predictions shown,
    // nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1400, height: 1000 });
    await shot('3-predictions');
    const predicted = runTool('predict', '--model', exported, '--json', join(dir, 'p.json'), ...images);
    expect(predicted.status, predicted.stderr).toBe(0);
    const { predictions } = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as {
      predictions: { caption: string; probabilities: Record<string, number> }[];
    };
    let worstProbability = 0;
    predictions.forEach((p, i) => {
      expect(figures[i].caption).toBe(p.caption);
      const want = [p.probabilities.alien, p.probabilities.predator];
      figures[i].probabilities.forEach((got, k) => {
        expect(Math.abs(got - want[k])).toBeLessThan(1e-5);
        worstProbability = Math.max(worstProbability, Math.abs(got - want[k]));
      });
    });
    console.log(
      `page vs train.js: head ${worstHead.toExponential(2)} at most; ` +
        `page vs predict.js: probabilities ${worstProbability.toExponential(2)} at most`,
    );

    // The model train.js saved loads into the page, which predicts with it as predict.js does.
    await page.setInputFiles('#import', [join(cli, 'model.json'), join(cli, 'head.safetensors')]);
    await until('/loaded; predict|error/.test(document.querySelector("#status").textContent)');
    expect(await page.textContent('#model-status')).toMatch(
      /^model loaded from model\.json: classes alien, predator; frozen/,
    );
    expect(await page.isChecked('#continue')).toBe(true);
    await page.setInputFiles('#predict-files', images.slice(0, 1));
    await until('document.querySelectorAll("#predictions figure").length === 3');
    const again = JSON.parse((await page.getAttribute('#predictions figure', 'data-probabilities'))!) as number[];
    again.forEach((p, k) => expect(Math.abs(p - figures[0].probabilities[k])).toBeLessThan(1e-4));

    // A model made for other backbone weights is refused with a message; the page keeps its model.
    const other = join(dir, 'other-model');
    saveTestModel(other, { features: 2048, hidden: 8, classes: 2 });
    await page.setInputFiles('#import', [join(other, 'model.json'), join(other, 'head.safetensors')]);
    await until('document.querySelector("#model-status").classList.contains("error")');
    expect(await page.textContent('#model-status')).toMatch(/made for backbone weights random:5/);
    expect(await page.isEnabled('#export-zip')).toBe(true);
  }, 900_000);

  it('keeps the project in this browser across visits; New project starts over; project.zip moves it', async () => {
    // What the last test left: 8 + 8 images, its settings, and train.js's model loaded.
    const saved = /^saved in this browser|error/;
    const untilSaved = () => until(`${saved}.test(document.querySelector("#project-status").textContent)`);
    await untilSaved();
    expect(await page.textContent('#project-status')).toBe('saved in this browser: 2 classes, 16 images, a model');
    const look = async () => ({
      classes: await page.$$eval('.class-name', (all) => all.map((e) => (e as HTMLInputElement).value)),
      counts: await page.$$eval('.class-count', (all) => all.map((e) => e.textContent)),
      settings: await page.$$eval('#settings [id], #advanced-settings [id]', (all) =>
        all.map((e) => `${e.id}=${(e as HTMLInputElement).value}`),
      ),
      history: await page.$$eval('#history tr[data-epoch]', (rows) => rows.length),
      canExport: await page.isEnabled('#export-zip'),
    });
    const predictOne = async () => {
      await page.evaluate(() => {
        document.querySelector('#predictions')!.innerHTML = '';
        document.querySelector('#status')!.textContent = '';
      });
      await page.setInputFiles('#predict-files', [join(DATASET, 'validation', 'alien', '0.jpg')]);
      await until('/predicted in|error/.test(document.querySelector("#status").textContent)');
      return (await page.getAttribute('#predictions figure', 'data-probabilities'))!;
    };
    const before = await look();
    expect(before.settings).toContain('recipe=frozen');
    const probabilities = await predictOne();

    await page.close();
    await open();
    expect(await status()).toBe('project restored from this browser: 2 classes, 16 images and its model');
    expect(await look()).toEqual(before);
    expect(await predictOne()).toBe(probabilities);
    await shot('4-restored');

    // The whole project as one file, then a new project, then the file opened again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-project')]);
    const zip = join(dir, 'project.zip');
    await download.saveAs(zip);
    const names = Object.keys(unzipSync(readFileSync(zip)));
    expect(names.filter((n) => !n.startsWith('images/')).sort()).toEqual([
      'model/head.safetensors',
      'model/model.json',
      'project.json',
    ]);
    expect(names.filter((n) => /^images\/[\w-]+\.rgb$/.test(n)).length).toBe(16);
    await page.click('#new-project');
    await until('/^project started anew|error/.test(document.querySelector("#status").textContent)');
    expect(await status()).toBe('project started anew: 2 classes, 0 images');
    await untilSaved();
    expect(await page.textContent('#project-status')).toBe('saved in this browser: 2 classes, 0 images');
    expect(await look()).toMatchObject({ classes: ['Class 1', 'Class 2'], history: 0, canExport: false });

    const notZip = join(dir, 'notes.zip');
    writeFileSync(notZip, 'not a zip');
    await page.setInputFiles('#import-project', notZip);
    await until('document.querySelector("#project-status").classList.contains("error")');
    expect(await page.textContent('#project-status')).toBe('notes.zip: not a zip archive');
    await page.setInputFiles('#import-project', zip);
    await until('/^project opened|error/.test(document.querySelector("#status").textContent)');
    expect(await status()).toBe('project opened from project.zip: 2 classes, 16 images and its model');
    expect(await look()).toEqual(before);
    await untilSaved();

    // The next test starts from an empty project.
    await page.click('#new-project');
    await until('/^project started anew|error/.test(document.querySelector("#status").textContent)');
    await untilSaved();
  }, 600_000);

  it('records webcam frames into classes, trains on them, and predicts live; a second visit does not ask', async () => {
    await page.close();
    await open();
    expect(await page.textContent('#weights-status')).toMatch(/^random:1: .*remembered by this browser$/);
    await page.click('#camera-start');
    await until('/webcam on|error/.test(document.querySelector("#camera-status").textContent)');
    expect(await page.textContent('#camera-status')).toMatch(/^webcam on \(\d+x\d+\)$/);
    for (const k of [0, 1]) {
      const capture = page.locator(`.class[data-index="${k}"] .capture`);
      await capture.dispatchEvent('pointerdown');
      await until(`document.querySelectorAll('.class[data-index="${k}"] .thumb').length >= 2`, 30_000);
      await capture.dispatchEvent('pointerup');
      await until(`/webcam frames added/.test(document.querySelector("#status").textContent)`, 30_000);
    }
    const counts = await page.$$eval('.class-count', (all) => all.map((e) => e.textContent!));
    counts.forEach((c) => expect(c).toMatch(/^\d+ images/));
    // Flipped frames need the backbone every epoch, one batch per frame: Stop during the second
    // epoch keeps the first epoch's model.
    await page.selectOption('#recipe', 'frozen');
    await page.click('#advanced summary');
    await page.selectOption('#augment', 'flip');
    await page.fill('#val-share', '0');
    await page.fill('#epochs', '3');
    await page.fill('#batch-size', '1');
    await page.click('#train');
    await until('document.querySelectorAll("#history tr[data-epoch]").length >= 1');
    await page.click('#stop');
    await until('!document.querySelector("#train").disabled');
    expect(await page.textContent('#train-status')).toBe('stopped; the model of epoch 1 is kept');
    expect(await page.$$eval('#history tr[data-epoch]', (rows) => rows.length)).toBe(1);
    expect(await page.isEnabled('#export-zip')).toBe(true);
    await page.click('#live');
    await until('Number(document.querySelector("#live-bars").dataset.frames ?? 0) >= 1', 300_000);
    const bars = await page.$$eval('#live-bars .bar', (all) =>
      all.map((b) => ({ name: (b as HTMLElement).dataset.class, p: Number((b as HTMLElement).dataset.probability) })),
    );
    expect(bars.map((b) => b.name)).toEqual(['Class 1', 'Class 2']);
    expect(bars[0].p + bars[1].p).toBeCloseTo(1, 5);
    await shot('4-webcam');
    await page.click('#live');
  }, 600_000);

  it('says when the camera is denied, and the page keeps working', async () => {
    const denying = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--enable-unsafe-webgpu', '--use-fake-device-for-media-stream', '--deny-permission-prompts'],
    });
    try {
      const other = await denying.newPage();
      await other.goto(`${site.origin}/`);
      await other.click('#camera-start');
      await other.waitForFunction(() => document.querySelector('#camera-status')!.classList.contains('error'));
      expect(await other.textContent('#camera-status')).toMatch(/^the camera was denied/);
      // The page keeps working: classes added, renamed and removed; images dropped, picked and removed.
      const count = (k: number) => other.textContent(`.class[data-index="${k}"] .class-count`);
      await other.click('#add-class');
      expect(await other.$$eval('.class', (all) => all.length)).toBe(3);
      await other.fill('.class[data-index="2"] .class-name', 'Class 1');
      await other.dispatchEvent('.class[data-index="2"] .class-name', 'change');
      expect(await other.textContent('#status')).toBe("there is already a class 'Class 1'");
      await other.fill('.class[data-index="2"] .class-name', 'cats');
      await other.dispatchEvent('.class[data-index="2"] .class-name', 'change');
      expect(await other.textContent('#status')).toBe("renamed to 'cats'");
      const png = [...readFileSync('test/fixtures/png/palette.png')];
      const dropped = await other.evaluateHandle((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        transfer.items.add(new File(['not an image'], 'notes.txt', { type: 'text/plain' }));
        return transfer;
      }, png);
      await other.dispatchEvent('.class[data-index="2"]', 'drop', { dataTransfer: dropped });
      await other.waitForFunction(() => /^cats: 1 image$/.test(document.querySelector('#status')!.textContent!));
      expect(await count(2)).toBe('1 image');
      expect(await other.textContent('.class[data-index="2"] .class-skipped')).toMatch(/notes\.txt: not an image/);
      await other.setInputFiles('.class[data-index="1"] .class-files', join('test/fixtures/jpeg/baseline-420.jpg'));
      await other.waitForFunction(() => /^Class 2: 1 image$/.test(document.querySelector('#status')!.textContent!));
      await other.click('.class[data-index="2"] .thumb');
      expect(await count(2)).toBe('0 images');
      await other.click('.class[data-index="2"] .class-remove');
      await other.click('.class[data-index="0"] .class-remove');
      expect(await other.textContent('#status')).toBe('a classifier needs two or more classes');
      expect(await other.$$eval('.class-name', (all) => all.map((e) => (e as HTMLInputElement).value))).toEqual([
        'Class 1',
        'Class 2',
      ]);
    } finally {
      await denying.close();
    }
  }, 120_000);
});
