// Step 1, the backbone: weights from a file, a URL or random:SEED, checked by Backbone.load,
// kept in this browser's storage and taken back without asking on the next visit.
import * as lib from 'webgpu-transfer/internals';
import { byId } from '../page.js';
import { type PageState, action, say, sayIn } from '../page-state.js';
import { forgetWeights, keepRandomChoice, keepWeights, readWithProgress, recallChoice } from '../weights-store.js';

export class BackbonePanel {
  constructor(private readonly state: PageState) {
    byId('weights-file').addEventListener(
      'change',
      action(() => this.loadFile(), 'weights-status'),
    );
    byId('weights-fetch').addEventListener(
      'click',
      action(() => this.loadUrl(), 'weights-status'),
    );
    byId('weights-random').addEventListener(
      'click',
      action(() => this.loadRandom(), 'weights-status'),
    );
    byId('forget-weights').addEventListener(
      'click',
      action(async () => {
        await forgetWeights();
        sayIn('weights-status', 'nothing kept in this browser now');
      }),
    );
  }

  /** The page's GPU, made on first use. */
  async device(): Promise<lib.Gpu> {
    if (!this.state.gpu) {
      this.state.gpu = await lib.Gpu.create({ log: false });
      byId('adapter').textContent = `WebGPU: ${lib.adapterLabel(this.state.gpu.adapter)}`;
    }
    return this.state.gpu;
  }

  /** A second visit: the weights kept in this browser, without asking. */
  async restore(): Promise<void> {
    const kept = await recallChoice();
    if (!kept) return;
    const { choice, bytes } = kept;
    if (choice.kind === 'random')
      await this.use(`random:${choice.seed}`, `random:${choice.seed}`, false, 'remembered by this browser');
    else await this.use(bytes!, choice.name, false, "from this browser's storage");
  }

  /** Loads backbone weights (checked by Backbone.load), replacing the current backbone and model. */
  private async use(source: Uint8Array | string, name: string, keep: boolean, note = ''): Promise<void> {
    if (this.state.training) throw new Error('stop the training before changing the backbone');
    sayIn('weights-status', `checking ${name}…`);
    const next = await lib.Backbone.load(source, { gpu: await this.device(), name }).catch((e: Error) => {
      throw new Error(`${name}: ${e.message.replace(`${name}: `, '')}`);
    });
    this.state.setBackbone(next);
    const w = next.weights;
    let kept = note;
    if (keep && source instanceof Uint8Array) {
      sayIn('weights-status', `keeping ${name} in this browser…`);
      kept = (await keepWeights(source, w.sha256, name)) ? 'kept in this browser' : 'this browser cannot keep it';
    } else if (keep) {
      const seed = Number(String(source).slice('random:'.length));
      kept = (await keepRandomChoice(seed)) ? 'remembered by this browser' : 'this browser cannot remember it';
    }
    const digest = w.synthetic
      ? 'deterministic random weights, accuracy near chance'
      : `sha256 ${w.sha256.slice(0, 12)}…`;
    sayIn(
      'weights-status',
      `${name}: ${w.spec.name}, ${w.preprocessing.name} preprocessing at ${w.preprocessing.size} px; ${digest}` +
        (kept ? `; ${kept}` : ''),
    );
    byId<HTMLProgressElement>('weights-progress').hidden = true;
    say(`backbone ready: ${name}`);
  }

  private async loadFile(): Promise<void> {
    const file = byId<HTMLInputElement>('weights-file').files?.[0];
    if (!file) return;
    const bytes = await readWithProgress(file, (read, total) => showProgress('weights-progress', read, total));
    await this.use(bytes, file.name, true);
  }

  private async loadUrl(): Promise<void> {
    const url = byId<HTMLInputElement>('weights-url').value.trim();
    if (!url) throw new Error('give the URL of a weights file');
    sayIn('weights-status', `downloading ${url}…`);
    const bytes = await readWithProgress(url, (read, total) => showProgress('weights-progress', read, total));
    await this.use(bytes, url.split('/').pop() || url, true);
  }

  private async loadRandom(): Promise<void> {
    const seed = Number(byId<HTMLInputElement>('weights-seed').value);
    if (!Number.isInteger(seed) || seed < 0) throw new Error('the seed of random:SEED is a whole number >= 0');
    await this.use(`random:${seed}`, `random:${seed}`, true);
  }
}

function showProgress(id: string, done: number, total: number): void {
  const bar = byId<HTMLProgressElement>(id);
  bar.hidden = false;
  if (total > 0) bar.value = done / total;
  else bar.removeAttribute('value');
}
