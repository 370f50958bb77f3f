// Step 3, training: the settings (built from their declarations), Train and Stop, live curves,
// the epoch table and the last validation's confusion matrix. A model imported elsewhere
// brings its settings and history here; a new backbone picks a recipe its weights suit.
import * as lib from 'webgpu-transfer/internals';
import { type Series, drawChart } from '../chart.js';
import { byId } from '../page.js';
import { type PageState, action, images, say, sayIn } from '../page-state.js';
import { readSetting, settingControl, showSetting } from '../settings-controls.js';
import { type Labelled, splitItems } from '../split.js';

/** The settings the page shows, in its order: two at once, the rest under Advanced (the others take their defaults). */
const BASIC_SETTINGS = ['recipe', 'epochs'] as const;
const ADVANCED_SETTINGS = ['batchSize', 'lr', 'hidden', 'augment', 'seed'] as const;
const PAGE_SETTINGS = [...BASIC_SETTINGS, ...ADVANCED_SETTINGS];

interface Curves {
  trainLoss: [number, number][];
  trainAcc: [number, number][];
  valLoss: [number, number][];
  valAcc: [number, number][];
}

const HISTORY_COLUMNS = ['epoch', 'train loss', 'train acc', 'val loss', 'val acc', 's', 'images/s'];

export class TrainingPanel {
  private curves: Curves = curvesOf([]);
  private plannedEpochs = 0;

  constructor(private readonly state: PageState) {
    byId('settings').append(...BASIC_SETTINGS.map((name) => settingControl(name)));
    byId('advanced-settings').prepend(...ADVANCED_SETTINGS.map((name) => settingControl(name)));
    byId('train').addEventListener(
      'click',
      action(() => this.train()),
    );
    byId('stop').addEventListener('click', () => {
      state.training?.abort();
      sayIn('train-status', 'stopping after this batch…');
    });
    window.addEventListener('resize', () => this.drawCurves());
    state.on('backbone', () => this.suitRecipe());
    state.on('model', () => this.showModel());
    state.on('training', () => this.showButtons());
    this.drawCurves();
    this.showButtons();
  }

  /** A recipe the new backbone's weights suit (keras for Keras weights, else pytorch). */
  private suitRecipe(): void {
    const w = this.state.backbone!.weights;
    const recipe = byId<HTMLSelectElement>('recipe');
    if (lib.recipeMismatch(lib.RECIPES[recipe.value as lib.RecipeName], w.spec))
      recipe.value = w.spec.preprocessing === 'caffe' ? 'keras' : 'pytorch';
  }

  private showButtons(): void {
    const busy = this.state.training !== null;
    byId<HTMLButtonElement>('train').disabled = busy;
    byId<HTMLButtonElement>('stop').disabled = !busy;
    byId<HTMLInputElement>('continue').disabled = !this.state.classifier;
  }

  /** The current model's history, curves and confusion; a loaded model's settings too. */
  private showModel(): void {
    this.showButtons();
    const model = this.state.classifier;
    const loaded = this.state.origin?.loaded;
    if (loaded) {
      const { training, head } = loaded.saved.json;
      for (const name of PAGE_SETTINGS)
        if (name !== 'epochs') showSetting(name, name === 'hidden' ? head.hidden : training[name]);
      if (training.validationSplit !== null)
        byId<HTMLInputElement>('val-share').value = String(training.validationSplit);
      byId<HTMLInputElement>('continue').checked = true;
      this.plannedEpochs = model!.history.length;
      this.curves = curvesOf(model!.history);
      this.drawCurves();
      this.showHistory(model!.history);
    } else if (!model && !this.state.training) {
      // No model (a new project, another backbone): nothing of the last one is shown.
      this.plannedEpochs = 0;
      this.curves = curvesOf([]);
      this.drawCurves();
      this.showHistory([]);
      byId<HTMLProgressElement>('train-progress').value = 0;
      sayIn('train-status', '');
    }
    if (!this.state.training) this.showConfusion();
  }

  private drawCurves(): void {
    const xMax = Math.max(this.plannedEpochs, 1);
    const c = this.curves;
    const series = (train: [number, number][], validation: [number, number][]): Series[] => [
      { name: 'train', color: '#2f6fdb', points: train },
      { name: 'validation', color: '#e07000', points: validation },
    ];
    drawChart(byId<SVGSVGElement & HTMLElement>('loss-chart'), 'loss', series(c.trainLoss, c.valLoss), xMax);
    drawChart(byId<SVGSVGElement & HTMLElement>('acc-chart'), 'accuracy', series(c.trainAcc, c.valAcc), xMax, 1);
  }

  private showHistory(history: readonly lib.EpochRecord[]): void {
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

  /** The last validation's confusion matrix (rows: true class, columns: predicted), as a table of counts. */
  private showConfusion(): void {
    const classifier = this.state.classifier;
    const table = byId<HTMLTableElement>('confusion');
    table.replaceChildren();
    delete table.dataset.counts;
    const names = classifier?.classes ?? [];
    const counts = classifier?.history.at(-1)?.validation?.confusion;
    if (!counts) {
      // Said once an epoch has ended without held-out images (not while the first one runs).
      if (classifier?.history.length) table.createCaption().textContent = 'no held-out images in the last epoch';
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

  private checkClasses(): void {
    const classes = this.state.classes;
    const names = classes.map((c) => c.name);
    if (classes.length < 2) throw new Error('a classifier needs two or more classes');
    if (new Set(names).size !== names.length) throw new Error('two classes have the same name');
    const empty = classes.find((c) => !c.items.length);
    if (empty) throw new Error(`class '${empty.name}' has no images: add some, or remove the class`);
  }

  private async train(): Promise<void> {
    const state = this.state;
    const backbone = state.backbone;
    if (!backbone) throw new Error('choose the backbone weights first (step 1)');
    this.checkClasses();
    const epochs = readSetting('epochs');
    const options: lib.ClassifierOptions = {
      recipe: readSetting('recipe'),
      batchSize: readSetting('batchSize'),
      lr: readSetting('lr'),
      hidden: readSetting('hidden'),
      augment: readSetting('augment'),
      seed: readSetting('seed'),
    };
    const { all, train: trainItems, validation, share } = splitItems(state.classes);
    const names = state.classes.map((c) => c.name);
    const current = state.classifier;
    const resume = byId<HTMLInputElement>('continue').checked && current;
    if (resume && current.classes.join('\n') !== names.join('\n'))
      throw new Error(
        `the current model has classes [${current.classes.join(', ')}]: untick "continue" to train a new one`,
      );
    let model: lib.Classifier;
    let snapshot: { modelJson: string; head: Uint8Array } | null = null;
    if (resume) {
      // The current model with this run's settings; its bytes are what Stop before an epoch restores.
      snapshot = await current.toBytes();
      const saved = await lib.savedModelFromBytes(snapshot.modelJson, snapshot.head, 'model');
      state.setModel(null);
      model = lib.Classifier.fromSaved(backbone, saved, 'model', {
        lr: options.lr,
        batchSize: options.batchSize,
        augment: options.augment,
        seed: options.seed,
      });
    } else {
      state.setModel(null);
      model = lib.Classifier.create(backbone, names, options);
    }
    state.classifier = model;
    state.setTraining(new AbortController());
    const first = model.history.length;
    this.plannedEpochs = first + epochs;
    this.curves = curvesOf(model.history);
    this.drawCurves();
    this.showHistory(model.history);
    this.showConfusion();
    const totalImages = epochs * trainItems.length;
    const start = performance.now();
    say(`training ${epochs} epoch${epochs > 1 ? 's' : ''} on ${images(trainItems.length)}…`);
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
        signal: state.training!.signal,
        progress: (label, total) => {
          sayIn('train-status', `${label}: ${total} images…`);
          return {
            update: (done: number, note?: string) => {
              // While kernels compile the bar shows activity without a fraction (no value).
              if (note) bar.removeAttribute('value');
              else bar.value = done / total;
              sayIn('train-status', `${label}: ${done}/${total} images${note ? ` (${note})` : ''}`);
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
            `epoch ${b.epoch}/${this.plannedEpochs}, batch ${b.batch}/${b.batches}: loss ${b.loss.toFixed(4)}, ` +
              `acc ${b.acc.toFixed(3)}; ${b.imagesPerSecond.toFixed(1)} images/s, about ${formatSeconds(left)} left`,
          );
          const x = b.epoch - 1 + b.batch / b.batches;
          this.curves.trainLoss.push([x, b.loss]);
          this.curves.trainAcc.push([x, b.acc]);
          this.drawCurves();
        },
        onEpoch: async (record) => {
          if (record.validation) {
            this.curves.valLoss.push([record.epoch, record.validation.loss]);
            this.curves.valAcc.push([record.epoch, record.validation.acc]);
            this.drawCurves();
          }
          this.showHistory(model.history);
          snapshot = await model.toBytes();
        },
      });
      const seconds = (performance.now() - start) / 1000;
      const done = `trained ${epochs} epoch${epochs > 1 ? 's' : ''} in ${formatSeconds(seconds)}`;
      sayIn('train-status', done);
      say(done);
      state.setTraining(null);
      state.setModel(model, 'trained here');
    } catch (e) {
      state.setTraining(null);
      if (!(e instanceof lib.FitAbortedError)) {
        state.changed('model');
        throw e;
      }
      // Stop keeps the last finished epoch: the head and statistics saved after it (the run's
      // epochs stay on show; with no epoch finished there is no model, and nothing to show).
      const kept = snapshot && (await lib.Classifier.fromBytes(backbone, snapshot.modelJson, snapshot.head, 'model'));
      state.setModel(kept || null, 'trained here');
      const stopped = kept
        ? `stopped; the model of epoch ${kept.history.at(-1)?.epoch ?? 0} is kept`
        : 'stopped before the first epoch ended: no model';
      sayIn('train-status', stopped);
      say(stopped);
    }
  }
}

function curvesOf(history: readonly lib.EpochRecord[]): Curves {
  return {
    trainLoss: history.map((r) => [r.epoch, r.train.loss]),
    trainAcc: history.map((r) => [r.epoch, r.train.acc]),
    valLoss: history.flatMap((r) => (r.validation ? [[r.epoch, r.validation.loss] as [number, number]] : [])),
    valAcc: history.flatMap((r) => (r.validation ? [[r.epoch, r.validation.acc] as [number, number]] : [])),
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 90 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
