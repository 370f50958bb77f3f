// The training page (dist/browser/index.html): classes of images from files, folders or the
// webcam, a ResNet-50 backbone kept in this browser's storage, the article's training on
// WebGPU with live curves and a Stop button, then predictions (dropped images, the webcam
// live), a confusion matrix of the held-out images, and the model exported in the format
// `node dist/predict.js --model DIR` reads. Everything goes through the library's Backbone
// and Classifier, the path train.js and predict.js take. The element ids are docs/browser.md's.
import { unzipSync, zipSync } from 'fflate';
import * as lib from 'webgpu-transfer/internals';
import { drawChart, type Series } from './chart.js';
import { Camera } from './camera.js';
import { byId, showIn, showStatus } from './page.js';
import { readSetting, settingControl, showSetting } from './settings-controls.js';
import { forgetWeights, keepRandomChoice, keepWeights, readWithProgress, recallChoice } from './weights-store.js';

/** An image of a class: decoded as the CLI decodes it, with a thumbnail. */
interface Item {
  name: string;
  image: lib.RgbImage;
  thumb: string;
  /** From a validation/ folder: held out whatever the validation share. */
  heldOut: boolean;
}

interface PageClass {
  name: string;
  items: Item[];
  /** Files that were not images, with why. */
  skipped: string[];
}

const classes: PageClass[] = [];
let gpu: lib.Gpu | null = null;
let backbone: lib.Backbone | null = null;
let classifier: lib.Classifier | null = null;
let training: AbortController | null = null;
let live = false;
const camera = new Camera(byId<HTMLVideoElement>('camera'));

// ---- status lines ----

const say = showStatus;
const sayIn = showIn;

/** Runs a UI action: its error goes to the status line (and `also`), the page keeps working. */
function action(task: () => Promise<void>, also?: string): () => void {
  return () => {
    task().catch((e: Error) => {
      console.error(e);
      say(e.message, true);
      if (also) sayIn(also, e.message, true);
    });
  };
}

/** "1 image", "3 images". */
const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

// ---- backbone ----

async function device(): Promise<lib.Gpu> {
  if (!gpu) {
    gpu = await lib.Gpu.create({ log: false });
    byId('adapter').textContent = `WebGPU: ${lib.adapterLabel(gpu.adapter)}`;
  }
  return gpu;
}

function showProgress(id: string, done: number, total: number): void {
  const bar = byId<HTMLProgressElement>(id);
  bar.hidden = false;
  if (total > 0) bar.value = done / total;
  else bar.removeAttribute('value');
}

/** Loads backbone weights (checked by Backbone.load), replacing the current backbone and model. */
async function useBackbone(source: Uint8Array | string, name: string, keep: boolean, note = ''): Promise<void> {
  if (training) throw new Error('stop the training before changing the backbone');
  sayIn('weights-status', `checking ${name}…`);
  const next = await lib.Backbone.load(source, { gpu: await device(), name }).catch((e: Error) => {
    throw new Error(`${name}: ${e.message.replace(`${name}: `, '')}`);
  });
  dropModel();
  backbone?.dispose();
  backbone = next;
  const w = next.weights;
  let kept = note;
  if (keep && source instanceof Uint8Array) {
    sayIn('weights-status', `keeping ${name} in this browser…`);
    kept = (await keepWeights(source, w.sha256, name)) ? 'kept in this browser' : 'this browser cannot keep it';
  } else if (keep) await keepRandomChoice(Number(String(source).slice('random:'.length)));
  const digest = w.synthetic
    ? 'deterministic random weights, accuracy near chance'
    : `sha256 ${w.sha256.slice(0, 12)}…`;
  sayIn(
    'weights-status',
    `${name}: ${w.spec.name}, ${lib.describePreprocessing(w.preprocessing)}; ${digest}${kept ? `; ${kept}` : ''}`,
  );
  byId<HTMLProgressElement>('weights-progress').hidden = true;
  const recipe = byId<HTMLSelectElement>('recipe');
  if (lib.recipeMismatch(lib.RECIPES[recipe.value as lib.RecipeName], w.spec))
    recipe.value = w.spec.preprocessing === 'caffe' ? 'keras' : 'pytorch';
  say(`backbone ready: ${name}`);
}

async function loadWeightsFile(): Promise<void> {
  const file = byId<HTMLInputElement>('weights-file').files?.[0];
  if (!file) return;
  const bytes = await readWithProgress(file, (read, total) => showProgress('weights-progress', read, total));
  await useBackbone(bytes, file.name, true);
}

async function loadWeightsUrl(): Promise<void> {
  const url = byId<HTMLInputElement>('weights-url').value.trim();
  if (!url) throw new Error('give the URL of a weights file');
  sayIn('weights-status', `downloading ${url}…`);
  const bytes = await readWithProgress(url, (read, total) => showProgress('weights-progress', read, total));
  await useBackbone(bytes, url.split('/').pop() || url, true);
}

async function loadRandom(): Promise<void> {
  const seed = Number(byId<HTMLInputElement>('weights-seed').value);
  if (!Number.isInteger(seed) || seed < 0) throw new Error('the seed of random:SEED is a whole number >= 0');
  await useBackbone(`random:${seed}`, `random:${seed}`, true);
}

/** A second visit: the weights kept in this browser, without asking. */
async function restoreBackbone(): Promise<void> {
  const kept = await recallChoice();
  if (!kept) return;
  const { choice, bytes } = kept;
  if (choice.kind === 'random')
    await useBackbone(`random:${choice.seed}`, `random:${choice.seed}`, false, 'remembered by this browser');
  else await useBackbone(bytes!, choice.name, false, "from this browser's storage");
}

// ---- classes and images ----

function addClass(name?: string): PageClass {
  let n = classes.length + 1;
  while (!name && classes.some((c) => c.name === `Class ${n}`)) n++;
  const c: PageClass = { name: name ?? `Class ${n}`, items: [], skipped: [] };
  classes.push(c);
  return c;
}

function removeItem(c: PageClass, item: Item): void {
  c.items.splice(c.items.indexOf(item), 1);
  if (item.thumb.startsWith('blob:')) URL.revokeObjectURL(item.thumb);
}

/** Decodes files into a class: JPEG and PNG as the CLI decodes them; anything else is listed as skipped. */
async function addFiles(c: PageClass, files: File[], heldOut = false): Promise<void> {
  for (const [i, file] of files.entries()) {
    if (i % 8 === 0) say(`decoding ${i + 1}/${files.length} for ${c.name}…`);
    try {
      const image = await lib.decodeInBrowser(file, file.name);
      c.items.push({ name: file.name, image, thumb: URL.createObjectURL(file), heldOut });
    } catch (e) {
      c.skipped.push((e as Error).message);
    }
  }
}

/** Where a file of a picked folder belongs: its folder names the class; under validation/ it is held out. */
function placeOf(path: string): { className: string; heldOut: boolean } | null {
  const parts = path.split('/');
  const file = parts.at(-1)!;
  if (parts.length < 2 || file.startsWith('.')) return null;
  const className = parts.at(-2)!;
  const split = parts.at(-3)?.toLowerCase();
  return { className, heldOut: split === 'validation' || split === 'val' };
}

/** A folder pick: its class folders become the classes (in the CLI's order), their files the images. */
async function addFolder(files: File[]): Promise<void> {
  const groups = new Map<string, { train: File[]; held: File[] }>();
  for (const file of files) {
    const place = placeOf(file.webkitRelativePath || file.name);
    if (!place) continue;
    const group = groups.get(place.className) ?? { train: [], held: [] };
    (place.heldOut ? group.held : group.train).push(file);
    groups.set(place.className, group);
  }
  if (!groups.size) throw new Error('the folder holds no class folders of images (expected train/<class>/<images>)');
  // Unused default classes give way to the folder's.
  for (let i = classes.length - 1; i >= 0; i--)
    if (!classes[i].items.length && /^Class \d+$/.test(classes[i].name)) classes.splice(i, 1);
  const byName = (a: File, b: File) => lib.compareFileNames(a.name, b.name);
  for (const name of [...groups.keys()].sort(lib.compareClassNames)) {
    const group = groups.get(name)!;
    const c = classes.find((x) => x.name === name) ?? addClass(name);
    await addFiles(c, group.train.sort(byName));
    await addFiles(c, group.held.sort(byName), true);
  }
  render();
  const count = classes.reduce((n, c) => n + c.items.length, 0);
  say(`${count} images in ${classes.length} classes`);
}

function splitSettings(): { share: number; seed: number } {
  return {
    share: numberSetting('val-share', 'validation share', { min: 0, below: 1 }),
    seed: readSetting('seed'),
  };
}

/** The training and held-out items: a validation/ folder's images where there are any, else the share per class. */
interface Labelled {
  item: Item;
  label: number;
}

function splitItems(): { all: Labelled[]; train: Labelled[]; validation: Labelled[]; share: number | null } {
  const all = classes.flatMap((c, label) => c.items.map((item) => ({ item, label })));
  if (all.some((x) => x.item.heldOut))
    return {
      all,
      train: all.filter((x) => !x.item.heldOut),
      validation: all.filter((x) => x.item.heldOut),
      share: null,
    };
  const { share, seed } = splitSettings();
  if (share === 0) return { all, train: all, validation: [], share: null };
  return { all, ...lib.splitByClass(all, (x) => x.label, classes.length, share, seed), share };
}

function heldOutSet(): Set<Item> {
  try {
    return new Set(splitItems().validation.map((x) => x.item));
  } catch {
    return new Set();
  }
}

/** Files picked or dropped onto a class. */
async function addToClass(c: PageClass, files: File[]): Promise<void> {
  await addFiles(c, files);
  render();
  say(`${c.name}: ${images(c.items.length)}`);
}

/** Makes `zone` take dropped files (highlighted while dragged over) and run `task` on them. */
function onDrop(zone: HTMLElement, task: (files: File[]) => Promise<void>): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragover');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragover'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragover');
    const files = Array.from(e.dataTransfer?.files ?? []);
    action(() => task(files))();
  });
}

function render(): void {
  const held = heldOutSet();
  byId('classes').replaceChildren(...classes.map((c, index) => classCard(c, index, held)));
}

function classCard(c: PageClass, index: number, held: Set<Item>): HTMLElement {
  const card = document.createElement('section');
  card.className = 'class';
  card.dataset.index = String(index);
  const heldCount = c.items.filter((i) => held.has(i)).length;
  card.innerHTML = `
    <div class="row">
      <input class="class-name" type="text" aria-label="class name">
      <span class="class-count"></span>
      <label class="hint">add images <input class="class-files" type="file" multiple accept="image/*"></label>
      <button class="capture" type="button">Hold to record</button>
      <button class="class-remove" type="button" title="Remove this class">Remove</button>
    </div>
    <div class="thumbs"></div>
    <ul class="class-skipped"></ul>`;
  const name = card.querySelector<HTMLInputElement>('.class-name')!;
  name.value = c.name;
  name.addEventListener('change', () => {
    const next = name.value.trim();
    const problem = !next
      ? 'a class needs a name'
      : classes.some((x) => x !== c && x.name === next)
        ? `there is already a class '${next}'`
        : '';
    if (problem) {
      name.value = c.name;
      return say(problem, true);
    }
    c.name = next;
    say(`renamed to '${next}'`);
  });
  card.querySelector('.class-count')!.textContent =
    `${images(c.items.length)}${heldCount ? ` (${heldCount} held out)` : ''}`;
  const input = card.querySelector<HTMLInputElement>('.class-files')!;
  input.addEventListener(
    'change',
    action(() => addToClass(c, Array.from(input.files ?? []))),
  );
  card.querySelector('.class-remove')!.addEventListener('click', () => {
    if (classes.length <= 2) return say('a classifier needs two or more classes', true);
    c.items.forEach((item) => removeItem(c, item));
    classes.splice(classes.indexOf(c), 1);
    render();
  });
  const capture = card.querySelector<HTMLButtonElement>('.capture')!;
  capture.addEventListener(
    'pointerdown',
    action(() => record(c, capture)),
  );
  const thumbs = card.querySelector('.thumbs')!;
  thumbs.append(...c.items.map((item) => thumbnail(c, item, held.has(item))));
  card
    .querySelector('.class-skipped')!
    .append(...c.skipped.map((why) => Object.assign(document.createElement('li'), { textContent: `skipped: ${why}` })));
  onDrop(card, (files) => addToClass(c, files));
  return card;
}

function thumbnail(c: PageClass, item: Item, held: boolean): HTMLImageElement {
  const img = document.createElement('img');
  img.className = held ? 'thumb held-out' : 'thumb';
  img.src = item.thumb;
  img.alt = item.name;
  img.title = `${item.name}${held ? ' (held out)' : ''}: click to remove`;
  img.addEventListener('click', () => {
    removeItem(c, item);
    render();
  });
  return img;
}

/** While the button is held: a webcam frame into the class every 150 ms. */
async function record(c: PageClass, button: HTMLButtonElement): Promise<void> {
  // Listening before the camera starts: a release while it starts ends the recording too.
  let holding = true;
  const stop = () => (holding = false);
  for (const type of ['pointerup', 'pointerleave', 'pointercancel'])
    button.addEventListener(type, stop, { once: true });
  button.classList.add('holding');
  try {
    await startCamera();
  } catch (e) {
    button.classList.remove('holding');
    throw e;
  }
  const count = button.parentElement!.querySelector('.class-count')!;
  const thumbs = button.closest('.class')!.querySelector('.thumbs')!;
  let n = 0;
  while (holding) {
    const frame = camera.frame(`webcam ${c.items.length + 1}`);
    const item: Item = { name: frame.name, image: frame.image, thumb: frame.thumb, heldOut: false };
    c.items.push(item);
    thumbs.append(thumbnail(c, item, false));
    count.textContent = `${c.items.length} images (recording)`;
    n++;
    await new Promise((r) => setTimeout(r, 150));
  }
  button.classList.remove('holding');
  render();
  say(`${c.name}: ${n} webcam frames added (${c.items.length} images)`);
}

async function startCamera(): Promise<void> {
  if (camera.on) return;
  sayIn('camera-status', 'asking for the camera…');
  try {
    await camera.start();
  } catch (e) {
    sayIn('camera-status', (e as Error).message, true);
    throw e;
  }
  byId('camera').hidden = false;
  byId('camera-start').textContent = 'Webcam off';
  sayIn('camera-status', `webcam on (${camera.size})`);
  updateButtons();
}

function toggleCamera(): Promise<void> {
  if (!camera.on) return startCamera();
  live = false;
  camera.stop();
  byId('camera').hidden = true;
  byId('camera-start').textContent = 'Webcam on';
  sayIn('camera-status', 'webcam off');
  updateButtons();
  return Promise.resolve();
}

// ---- settings ----

function numberSetting(id: string, what: string, o: { min?: number; above?: number; below?: number } = {}): number {
  const text = byId<HTMLInputElement>(id).value.trim();
  const v = Number(text);
  const ok =
    text !== '' &&
    Number.isFinite(v) &&
    (o.min === undefined || v >= o.min) &&
    (o.above === undefined || v > o.above) &&
    (o.below === undefined || v < o.below);
  if (!ok) {
    const bounds = [
      o.min !== undefined && `>= ${o.min}`,
      o.above !== undefined && `> ${o.above}`,
      o.below !== undefined && `< ${o.below}`,
    ]
      .filter(Boolean)
      .join(' and ');
    throw new Error(`${what}: '${text}' is not a number ${bounds}`);
  }
  return v;
}

/** The settings the page shows (the rest take their defaults), in its order. */
const PAGE_SETTINGS = ['recipe', 'epochs', 'batchSize', 'lr', 'hidden', 'augment', 'seed'] as const;

function setSettings(training: lib.ModelJson['training'], hidden: number): void {
  for (const name of PAGE_SETTINGS)
    if (name !== 'epochs') showSetting(name, name === 'hidden' ? hidden : training[name]);
  if (training.validationSplit !== null) byId<HTMLInputElement>('val-share').value = String(training.validationSplit);
}

// ---- training ----

interface Curves {
  trainLoss: [number, number][];
  trainAcc: [number, number][];
  valLoss: [number, number][];
  valAcc: [number, number][];
}

let curves: Curves = { trainLoss: [], trainAcc: [], valLoss: [], valAcc: [] };
let plannedEpochs = 0;

function drawCurves(): void {
  const xMax = Math.max(plannedEpochs, 1);
  const series = (train: [number, number][], validation: [number, number][]): Series[] => [
    { name: 'train', color: '#2f6fdb', points: train },
    { name: 'validation', color: '#e07000', points: validation },
  ];
  drawChart(byId<SVGSVGElement & HTMLElement>('loss-chart'), 'loss', series(curves.trainLoss, curves.valLoss), xMax);
  drawChart(
    byId<SVGSVGElement & HTMLElement>('acc-chart'),
    'accuracy',
    series(curves.trainAcc, curves.valAcc),
    xMax,
    1,
  );
}

function curvesOf(history: readonly lib.EpochRecord[]): Curves {
  return {
    trainLoss: history.map((r) => [r.epoch, r.train.loss]),
    trainAcc: history.map((r) => [r.epoch, r.train.acc]),
    valLoss: history.flatMap((r) => (r.validation ? [[r.epoch, r.validation.loss] as [number, number]] : [])),
    valAcc: history.flatMap((r) => (r.validation ? [[r.epoch, r.validation.acc] as [number, number]] : [])),
  };
}

const HISTORY_COLUMNS = ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 's', 'images/s'];

function showHistory(history: readonly lib.EpochRecord[]): void {
  const table = byId<HTMLTableElement>('history');
  const f = (v: number | undefined, digits = 4) => (v === undefined ? '–' : v.toFixed(digits));
  table.innerHTML = history.length ? `<tr>${HISTORY_COLUMNS.map((h) => `<th>${h}</th>`).join('')}</tr>` : '';
  for (const r of history) {
    const row = table.insertRow();
    row.dataset.epoch = String(r.epoch);
    row.dataset.record = JSON.stringify(r);
    for (const text of [
      String(r.epoch),
      f(r.train.loss),
      f(r.train.acc),
      f(r.validation?.loss),
      f(r.validation?.acc),
      f(r.seconds, 1),
      f(r.imagesPerSecond, 1),
    ])
      row.insertCell().textContent = text;
  }
}

function checkClasses(): void {
  const names = classes.map((c) => c.name);
  if (classes.length < 2) throw new Error('a classifier needs two or more classes');
  if (new Set(names).size !== names.length) throw new Error('two classes have the same name');
  const empty = classes.find((c) => !c.items.length);
  if (empty) throw new Error(`class '${empty.name}' has no images: add some, or remove the class`);
}

async function train(): Promise<void> {
  if (!backbone) throw new Error('choose the backbone weights first (step 1)');
  checkClasses();
  const epochs = readSetting('epochs');
  const options: lib.ClassifierOptions = {
    recipe: readSetting('recipe'),
    batchSize: readSetting('batchSize'),
    lr: readSetting('lr'),
    hidden: readSetting('hidden'),
    augment: readSetting('augment'),
    seed: readSetting('seed'),
  };
  const { all, train: trainItems, validation, share } = splitItems();
  const names = classes.map((c) => c.name);
  const resume = byId<HTMLInputElement>('continue').checked && classifier;
  if (resume && classifier!.classes.join('\n') !== names.join('\n'))
    throw new Error(
      `the current model has classes [${classifier!.classes.join(', ')}]: untick "continue" to train a new one`,
    );
  let model: lib.Classifier;
  let snapshot: { modelJson: string; head: Uint8Array } | null = null;
  if (resume) {
    // The current model with this run's settings; its bytes are what Stop before an epoch restores.
    snapshot = await classifier!.toBytes();
    const saved = await lib.savedModelFromBytes(snapshot.modelJson, snapshot.head, 'model');
    dropModel();
    model = lib.Classifier.fromSaved(backbone, saved, 'model', {
      lr: options.lr,
      batchSize: options.batchSize,
      augment: options.augment,
      seed: options.seed,
    });
  } else {
    dropModel();
    model = lib.Classifier.create(backbone, names, options);
  }
  classifier = model;
  training = new AbortController();
  updateButtons();
  const first = model.history.length;
  plannedEpochs = first + epochs;
  curves = curvesOf(model.history);
  drawCurves();
  showHistory(model.history);
  showConfusion();
  const totalImages = epochs * trainItems.length;
  const start = performance.now();
  const bar = byId<HTMLProgressElement>('train-progress');
  bar.value = 0;
  try {
    const labelled = (xs: Labelled[]) => ({
      images: xs.map((x) => x.item.image),
      labels: xs.map((x) => x.label),
    });
    // With a share, the classifier holds it out of all the images as splitItems() did (the same split).
    const data = labelled(share === null ? trainItems : all);
    await model.fit(data, {
      epochs,
      ...(share === null
        ? validation.length
          ? { validation: labelled(validation) }
          : {}
        : { validationSplit: share }),
      source: 'page',
      signal: training.signal,
      progress: (label, total) => {
        sayIn('train-status', `${label}: ${total} images…`);
        return {
          update: (done: number) => {
            bar.value = done / total;
            sayIn('train-status', `${label}: ${done}/${total} images`);
          },
          finish: () => {},
        };
      },
      onBatch: (b) => {
        const done = (b.epoch - first - 1) * trainItems.length + b.seen;
        bar.value = done / totalImages;
        const left = (totalImages - done) / Math.max(b.imagesPerSecond, 1e-9);
        sayIn(
          'train-status',
          `epoch ${b.epoch}/${plannedEpochs}, batch ${b.batch}/${b.batches}: loss ${b.loss.toFixed(4)}, ` +
            `acc ${b.acc.toFixed(3)}; ${b.imagesPerSecond.toFixed(1)} images/s, about ${formatSeconds(left)} left`,
        );
        const x = b.epoch - 1 + b.batch / b.batches;
        curves.trainLoss.push([x, b.loss]);
        curves.trainAcc.push([x, b.acc]);
        drawCurves();
      },
      onEpoch: async (record) => {
        if (record.validation) {
          curves.valLoss.push([record.epoch, record.validation.loss]);
          curves.valAcc.push([record.epoch, record.validation.acc]);
          drawCurves();
        }
        showHistory(model.history);
        snapshot = await model.toBytes();
      },
    });
    const seconds = (performance.now() - start) / 1000;
    sayIn('train-status', `trained ${epochs} epoch${epochs > 1 ? 's' : ''} in ${formatSeconds(seconds)}`);
  } catch (e) {
    if (!(e instanceof lib.FitAbortedError)) throw e;
    // Stop keeps the last finished epoch: the head and statistics saved after it.
    dropModel();
    if (snapshot) classifier = await lib.Classifier.fromBytes(backbone, snapshot.modelJson, snapshot.head, 'model');
    sayIn(
      'train-status',
      classifier
        ? `stopped; the model of epoch ${classifier.history.at(-1)?.epoch ?? 0} is kept`
        : 'stopped before the first epoch ended: no model',
    );
  } finally {
    training = null;
    updateButtons();
  }
  if (classifier) showModel('trained here');
  showConfusion();
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 90 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The last validation's confusion matrix (rows: true class, columns: predicted), as a table of counts. */
function showConfusion(): void {
  const table = byId<HTMLTableElement>('confusion');
  table.replaceChildren();
  delete table.dataset.counts;
  const names = classifier?.classes ?? [];
  const counts = classifier?.history.at(-1)?.validation?.confusion;
  if (!counts) {
    if (classifier) table.createCaption().textContent = 'no held-out images in the last epoch';
    return;
  }
  const cell = (tag: 'th' | 'td', text: string, className = '') =>
    Object.assign(document.createElement(tag), { textContent: text, className });
  const head = table.insertRow();
  head.append(cell('th', 'true \\ predicted'), ...names.map((c) => cell('th', c)));
  counts.forEach((row, t) => {
    const tr = table.insertRow();
    tr.append(cell('th', names[t]), ...row.map((n, p) => cell('td', String(n), p === t ? 'diagonal' : '')));
  });
  table.dataset.counts = JSON.stringify(counts);
}

// ---- the model: predictions, export, import ----

function dropModel(): void {
  live = false;
  classifier?.dispose();
  classifier = null;
  updateButtons();
}

function showModel(how: string): void {
  const c = classifier!;
  const last = c.history.at(-1);
  const val = last?.validation ? `, validation accuracy ${last.validation.acc.toFixed(3)}` : '';
  sayIn(
    'model-status',
    `model ${how}: classes ${c.classes.join(', ')}; ${c.recipe} recipe; ${c.history.length} epoch(s)${val}`,
  );
  updateButtons();
}

function updateButtons(): void {
  const busy = training !== null;
  byId<HTMLButtonElement>('train').disabled = busy;
  byId<HTMLButtonElement>('stop').disabled = !busy;
  for (const id of ['export-zip', 'export-files']) byId<HTMLButtonElement>(id).disabled = busy || !classifier;
  byId<HTMLButtonElement>('live').disabled = busy || !classifier;
  byId('live').textContent = live ? 'Stop live predictions' : 'Live webcam predictions';
  byId<HTMLInputElement>('continue').disabled = !classifier;
}

async function predictFiles(files: File[]): Promise<void> {
  if (!classifier) throw new Error('train a model or load one first');
  if (!files.length) return;
  const model = classifier;
  say(`predicting ${images(files.length)}…`);
  const start = performance.now();
  // Each file's figure in the files' order: a caption, or why it is not an image.
  const figures: HTMLElement[] = [];
  const decoded: lib.RgbImage[] = [];
  const pending: { figure: HTMLElement; file: File }[] = [];
  for (const file of files) {
    const figure = document.createElement('figure');
    figure.dataset.name = file.name;
    figures.push(figure);
    try {
      decoded.push(await lib.decodeInBrowser(file, file.name));
      pending.push({ figure, file });
    } catch (e) {
      figure.className = 'error';
      figure.textContent = (e as Error).message;
    }
  }
  const predictions = decoded.length ? await model.predict(decoded) : [];
  predictions.forEach((p, i) => {
    const { figure, file } = pending[i];
    const img = document.createElement('img');
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    const caption = document.createElement('figcaption');
    caption.textContent = p.caption;
    figure.dataset.probabilities = JSON.stringify(model.classes.map((c) => p.probabilities[c]));
    figure.append(img, caption);
  });
  byId('predictions').prepend(...figures);
  say(`${images(decoded.length)} predicted in ${((performance.now() - start) / 1000).toFixed(2)} s`);
}

async function liveLoop(): Promise<void> {
  if (live) {
    live = false;
    return updateButtons();
  }
  if (!classifier) throw new Error('train a model or load one first');
  await startCamera();
  live = true;
  updateButtons();
  const bars = byId('live-bars');
  while (live && classifier && camera.on) {
    const model: lib.Classifier = classifier;
    const frame = camera.frame('webcam');
    const [p] = await model.predict(frame.image);
    if (!live || classifier !== model) break;
    bars.replaceChildren(
      ...model.classes.map((c) => {
        const row = document.createElement('div');
        row.className = 'bar';
        row.dataset.class = c;
        row.dataset.probability = String(p.probabilities[c]);
        const percent = `${(100 * p.probabilities[c]).toFixed(0)}%`;
        row.innerHTML =
          `<span></span><div class="track"><div class="fill" style="width:${percent}"></div></div>` +
          `<span>${percent}</span>`;
        row.firstElementChild!.textContent = c;
        return row;
      }),
    );
    bars.dataset.frames = String(Number(bars.dataset.frames ?? 0) + 1);
  }
  live = false;
  updateButtons();
}

function download(name: string, data: Uint8Array | string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer> | string], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function exportZip(): Promise<void> {
  const { modelJson, head } = await classifier!.toBytes('model');
  download(
    'model.zip',
    zipSync({ 'model/model.json': new TextEncoder().encode(modelJson), 'model/head.safetensors': head }),
    'application/zip',
  );
  say('model.zip downloaded: unzip it and run node dist/predict.js --model model IMAGES');
}

async function exportFiles(): Promise<void> {
  const { modelJson, head } = await classifier!.toBytes('model');
  download('model.json', modelJson, 'application/json');
  download('head.safetensors', head, 'application/octet-stream');
  say('model.json and head.safetensors downloaded: put them in one folder DIR for node dist/predict.js --model DIR');
}

/** The two files of a model from the chosen files: an archive holding both, or both chosen. */
async function modelFiles(files: File[]): Promise<{ json: string; head: Uint8Array; where: string }> {
  const zip = files.find((f) => f.name.endsWith('.zip'));
  if (zip) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    } catch {
      throw new Error(`${zip.name}: not a zip archive`);
    }
    const find = (file: string) => Object.keys(entries).find((k) => k === file || k.endsWith(`/${file}`));
    const json = find('model.json');
    const head = find('head.safetensors');
    if (!json || !head) throw new Error(`${zip.name}: holds no model.json and head.safetensors`);
    return { json: new TextDecoder().decode(entries[json]), head: entries[head], where: zip.name };
  }
  const json = files.find((f) => f.name.endsWith('.json'));
  // An imported folder (import.js) also holds backbone.safetensors: the head is the head.
  const head = files.find((f) => f.name === 'head.safetensors') ?? files.find((f) => f.name.endsWith('.safetensors'));
  if (!json || !head) throw new Error('choose model.zip, or both model.json and head.safetensors');
  return { json: await json.text(), head: new Uint8Array(await head.arrayBuffer()), where: json.name };
}

async function importModel(files: File[]): Promise<void> {
  if (!files.length) return;
  if (!backbone) throw new Error('choose the backbone weights the model was trained on first (step 1)');
  if (training) throw new Error('stop the training first');
  const { json, head, where } = await modelFiles(files);
  const saved = await lib.savedModelFromBytes(json, head, where);
  const next = lib.Classifier.fromSaved(backbone, saved, where);
  dropModel();
  classifier = next;
  // The page's classes become the model's, keeping the images of classes of the same name.
  const old = classes.splice(0);
  for (const name of next.classes) {
    const c = old.find((x) => x.name === name) ?? { name, items: [], skipped: [] };
    classes.push(c);
  }
  render();
  setSettings(saved.json.training, saved.json.head.hidden);
  byId<HTMLInputElement>('continue').checked = true;
  plannedEpochs = next.history.length;
  curves = curvesOf(next.history);
  drawCurves();
  showHistory(next.history);
  showConfusion();
  showModel(`loaded from ${where}`);
  say(`${where}: loaded; predict, or train on with "continue the current model"`);
}

// ---- wiring ----

function onFiles(id: string, task: (files: File[]) => Promise<void>, also?: string): void {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    action(() => task(files), also)();
    input.value = '';
  });
}

byId('settings').prepend(...PAGE_SETTINGS.map((name) => settingControl(name)));
byId('weights-file').addEventListener('change', action(loadWeightsFile, 'weights-status'));
byId('weights-fetch').addEventListener('click', action(loadWeightsUrl, 'weights-status'));
byId('weights-random').addEventListener('click', action(loadRandom, 'weights-status'));
byId('forget-weights').addEventListener(
  'click',
  action(async () => {
    await forgetWeights();
    sayIn('weights-status', 'nothing kept in this browser now');
  }),
);
byId('add-class').addEventListener('click', () => {
  addClass();
  render();
});
onFiles('folder', addFolder);
byId('camera-start').addEventListener('click', action(toggleCamera));
byId('train').addEventListener('click', action(train));
byId('stop').addEventListener('click', () => {
  training?.abort();
  sayIn('train-status', 'stopping after this batch…');
});
for (const id of ['val-share', 'seed']) byId(id).addEventListener('change', render);
byId('live').addEventListener('click', action(liveLoop));
onFiles('predict-files', predictFiles);
onDrop(byId('predict-drop'), predictFiles);
byId('export-zip').addEventListener('click', action(exportZip));
byId('export-files').addEventListener('click', action(exportFiles));
onFiles('import', importModel, 'model-status');
window.addEventListener('resize', drawCurves);

addClass();
addClass();
render();
drawCurves();
updateButtons();
action(async () => {
  try {
    await device();
    await restoreBackbone();
  } finally {
    document.body.dataset.ready = 'true';
  }
}, 'weights-status')();
