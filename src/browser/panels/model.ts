// Step 4, the model: predictions of dropped or chosen images and of the webcam live, the model
// exported as train.js saves it (a zip, or its two files) and imported back (with its classes,
// settings and history).
import { unzipSync, zipSync } from 'fflate';
import * as lib from 'webgpu-transfer/internals';
import { byId } from '../page.js';
import { type PageState, action, images, onDrop, onFiles, say, sayIn } from '../page-state.js';

export class ModelPanel {
  constructor(private readonly state: PageState) {
    byId('live').addEventListener(
      'click',
      action(() => this.liveLoop()),
    );
    onFiles('predict-files', (files) => this.predictFiles(files));
    onDrop(byId('predict-drop'), (files) => this.predictFiles(files));
    byId('export-zip').addEventListener(
      'click',
      action(() => this.exportZip()),
    );
    byId('export-files').addEventListener(
      'click',
      action(() => this.exportFiles()),
    );
    onFiles('import', (files) => this.importModel(files), 'model-status');
    for (const event of ['model', 'training', 'camera'] as const) state.on(event, () => this.showButtons());
    state.on('model', () => this.showModel());
    this.showButtons();
  }

  private showModel(): void {
    const c = this.state.classifier;
    const origin = this.state.origin;
    if (!c || !origin) return;
    const last = c.history.at(-1);
    const val = last?.validation ? `, validation accuracy ${last.validation.acc.toFixed(3)}` : '';
    sayIn(
      'model-status',
      `model ${origin.how}: classes ${c.classes.join(', ')}; ${c.recipe} recipe; ${c.history.length} epoch(s)${val}`,
    );
  }

  private showButtons(): void {
    const { training, classifier, live } = this.state;
    const busy = training !== null;
    for (const id of ['export-zip', 'export-files']) byId<HTMLButtonElement>(id).disabled = busy || !classifier;
    byId<HTMLButtonElement>('live').disabled = busy || !classifier;
    byId('live').textContent = live ? 'Stop live predictions' : 'Live webcam predictions';
  }

  private async predictFiles(files: File[]): Promise<void> {
    const model = this.state.classifier;
    if (!model) throw new Error('train a model or load one first');
    if (!files.length) return;
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
      const bars = document.createElement('div');
      bars.className = 'bars';
      bars.append(...probabilityBars(model.classes, p.probabilities));
      figure.append(img, caption, bars);
    });
    byId('predictions').prepend(...figures);
    say(`${images(decoded.length)} predicted in ${((performance.now() - start) / 1000).toFixed(2)} s`);
  }

  private async liveLoop(): Promise<void> {
    const state = this.state;
    if (state.live) {
      state.live = false;
      return this.showButtons();
    }
    if (!state.classifier) throw new Error('train a model or load one first');
    await state.startCamera();
    state.live = true;
    this.showButtons();
    const bars = byId('live-bars');
    while (state.live && state.classifier && state.camera.on) {
      const model: lib.Classifier = state.classifier;
      const frame = state.camera.frame('webcam');
      const [p] = await model.predict(frame.image);
      if (!state.live || state.classifier !== model) break;
      bars.replaceChildren(...probabilityBars(model.classes, p.probabilities));
      bars.dataset.frames = String(Number(bars.dataset.frames ?? 0) + 1);
    }
    state.live = false;
    this.showButtons();
  }

  private async exportZip(): Promise<void> {
    const { modelJson, head } = await this.state.classifier!.toBytes('model');
    download(
      'model.zip',
      zipSync({ 'model/model.json': new TextEncoder().encode(modelJson), 'model/head.safetensors': head }),
      'application/zip',
    );
    say('model.zip downloaded: unzip it and run npx webgpu-transfer predict --model model IMAGES');
  }

  private async exportFiles(): Promise<void> {
    const { modelJson, head } = await this.state.classifier!.toBytes('model');
    download('model.json', modelJson, 'application/json');
    download('head.safetensors', head, 'application/octet-stream');
    say(
      'model.json and head.safetensors downloaded: put them in one folder DIR for ' +
        'npx webgpu-transfer predict --model DIR',
    );
  }

  private async importModel(files: File[]): Promise<void> {
    const state = this.state;
    if (!files.length) return;
    if (!state.backbone) throw new Error('choose the backbone weights the model was trained on first (step 1)');
    if (state.training) throw new Error('stop the training first');
    const { json, head, where } = await modelFiles(files);
    const saved = await lib.savedModelFromBytes(json, head, where);
    const next = lib.Classifier.fromSaved(state.backbone, saved, where);
    // The page's classes become the model's, keeping the images of classes of the same name.
    const old = state.classes.splice(0);
    for (const name of next.classes)
      state.classes.push(old.find((x) => x.name === name) ?? { name, items: [], skipped: [] });
    state.changed('classes');
    state.setModel(next, `loaded from ${where}`, { saved, where });
    say(`${where}: loaded; predict, or train on with "continue the current model"`);
  }
}

/** A bar per class, as long as its probability (the webcam's live view and each dropped image). */
function probabilityBars(classes: readonly string[], probabilities: Record<string, number>): HTMLElement[] {
  return classes.map((c) => {
    const row = document.createElement('div');
    row.className = 'bar';
    row.dataset.class = c;
    row.dataset.probability = String(probabilities[c]);
    const percent = `${(100 * probabilities[c]).toFixed(0)}%`;
    row.innerHTML =
      `<span></span><div class="track"><div class="fill" style="width:${percent}"></div></div>` +
      `<span>${percent}</span>`;
    row.firstElementChild!.textContent = c;
    return row;
  });
}

function download(name: string, data: Uint8Array | string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer> | string], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
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
