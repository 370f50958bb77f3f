// Step 2, the classes: their names and images from files, a dropped or picked folder (its class
// folders become the classes, validation/ held out) or the webcam (hold to record), with the
// held-out images marked. Re-renders whenever the classes change.
import * as lib from 'webgpu-transfer/internals';
import { byId } from '../page.js';
import {
  type Item,
  type PageClass,
  type PageState,
  action,
  images,
  onDrop,
  onFiles,
  say,
  sayIn,
} from '../page-state.js';
import { heldOutSet } from '../split.js';

export class ClassesPanel {
  constructor(private readonly state: PageState) {
    byId('add-class').addEventListener('click', () => {
      state.addClass();
      state.changed('classes');
    });
    onFiles('folder', (files) => this.addFolder(files));
    byId('camera-start').addEventListener(
      'click',
      action(() => this.toggleCamera()),
    );
    // The held-out marks follow the split's controls.
    byId('advanced-settings').addEventListener('change', (e) => {
      if (['val-share', 'seed'].includes((e.target as HTMLElement).id)) this.render();
    });
    state.on('classes', () => this.render());
    state.on('camera', () => this.showCamera());
  }

  render(): void {
    const held = heldOutSet(this.state.classes);
    byId('classes').replaceChildren(...this.state.classes.map((c, index) => this.card(c, index, held)));
  }

  private showCamera(): void {
    const { camera, cameraNote } = this.state;
    sayIn('camera-status', cameraNote.text, cameraNote.error);
    byId('camera').hidden = !camera.on;
    byId('camera-start').textContent = camera.on ? 'Webcam off' : 'Webcam on';
  }

  private toggleCamera(): Promise<void> {
    if (!this.state.camera.on) return this.state.startCamera();
    this.state.stopCamera();
    return Promise.resolve();
  }

  /** Decodes files into a class: JPEG and PNG as the CLI decodes them; anything else is listed as skipped. */
  private async addFiles(c: PageClass, files: File[], heldOut = false): Promise<void> {
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

  /** A folder pick: its class folders become the classes (in the CLI's order), their files the images. */
  private async addFolder(files: File[]): Promise<void> {
    const classes = this.state.classes;
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
      const c = classes.find((x) => x.name === name) ?? this.state.addClass(name);
      await this.addFiles(c, group.train.sort(byName));
      await this.addFiles(c, group.held.sort(byName), true);
    }
    this.state.changed('classes');
    const count = classes.reduce((n, c) => n + c.items.length, 0);
    say(`${count} images in ${classes.length} classes`);
  }

  /** Files picked or dropped onto a class. */
  private async addToClass(c: PageClass, files: File[]): Promise<void> {
    await this.addFiles(c, files);
    this.state.changed('classes');
    say(`${c.name}: ${images(c.items.length)}`);
  }

  private card(c: PageClass, index: number, held: Set<Item>): HTMLElement {
    const classes = this.state.classes;
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
      action(() => this.addToClass(c, Array.from(input.files ?? []))),
    );
    card.querySelector('.class-remove')!.addEventListener('click', () => {
      if (classes.length <= 2) return say('a classifier needs two or more classes', true);
      c.items.forEach((item) => this.state.removeItem(c, item));
      classes.splice(classes.indexOf(c), 1);
      this.state.changed('classes');
    });
    const capture = card.querySelector<HTMLButtonElement>('.capture')!;
    capture.addEventListener(
      'pointerdown',
      action(() => this.record(c, capture)),
    );
    const thumbs = card.querySelector('.thumbs')!;
    thumbs.append(...c.items.map((item) => this.thumbnail(c, item, held.has(item))));
    card
      .querySelector('.class-skipped')!
      .append(
        ...c.skipped.map((why) => Object.assign(document.createElement('li'), { textContent: `skipped: ${why}` })),
      );
    onDrop(card, (files) => this.addToClass(c, files));
    return card;
  }

  private thumbnail(c: PageClass, item: Item, held: boolean): HTMLImageElement {
    const img = document.createElement('img');
    img.className = held ? 'thumb held-out' : 'thumb';
    img.src = item.thumb;
    img.alt = item.name;
    img.title = `${item.name}${held ? ' (held out)' : ''}: click to remove`;
    img.addEventListener('click', () => {
      this.state.removeItem(c, item);
      this.state.changed('classes');
    });
    return img;
  }

  /** While the button is held: a webcam frame into the class every 150 ms. */
  private async record(c: PageClass, button: HTMLButtonElement): Promise<void> {
    // Listening before the camera starts: a release while it starts ends the recording too.
    let holding = true;
    const stop = () => (holding = false);
    for (const type of ['pointerup', 'pointerleave', 'pointercancel'])
      button.addEventListener(type, stop, { once: true });
    button.classList.add('holding');
    try {
      await this.state.startCamera();
    } catch (e) {
      button.classList.remove('holding');
      throw e;
    }
    const count = button.parentElement!.querySelector('.class-count')!;
    const thumbs = button.closest('.class')!.querySelector('.thumbs')!;
    let n = 0;
    while (holding) {
      const frame = this.state.camera.frame(`webcam ${c.items.length + 1}`);
      const item: Item = { name: frame.name, image: frame.image, thumb: frame.thumb, heldOut: false };
      c.items.push(item);
      thumbs.append(this.thumbnail(c, item, false));
      count.textContent = `${c.items.length} images (recording)`;
      n++;
      await new Promise((r) => setTimeout(r, 150));
    }
    button.classList.remove('holding');
    this.state.changed('classes');
    say(`${c.name}: ${n} webcam frames added (${c.items.length} images)`);
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
