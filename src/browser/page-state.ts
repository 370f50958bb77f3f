// The training page's state, in one object: the classes and their images, the GPU, the
// backbone, the current model, the run in progress and the webcam. Panels change it through
// its methods and hear of each change (`on`), so that each re-renders itself instead of
// calling the others.
import type * as lib from 'webgpu-transfer/internals';
import { Camera } from './camera.js';
import { byId, showIn, showStatus } from './page.js';

/** An image of a class: decoded as the CLI decodes it, with a thumbnail. */
export interface Item {
  name: string;
  image: lib.RgbImage;
  thumb: string;
  /** From a validation/ folder: held out whatever the validation share. */
  heldOut: boolean;
}

export interface PageClass {
  name: string;
  items: Item[];
  /** Files that were not images, with why. */
  skipped: string[];
}

/** What changed: the backbone, the classes (or their images), the model, a run starting or ending, the webcam. */
export type PageEvent = 'backbone' | 'classes' | 'model' | 'training' | 'camera';

/** A model that came from files (import), with what it was saved with. */
export interface LoadedModel {
  saved: lib.SavedModel;
  where: string;
}

export class PageState {
  readonly classes: PageClass[] = [];
  gpu: lib.Gpu | null = null;
  backbone: lib.Backbone | null = null;
  classifier: lib.Classifier | null = null;
  /** How the current model came to be ("trained here", "loaded from model.zip"), and its files when loaded. */
  origin: { how: string; loaded: LoadedModel | null } | null = null;
  /** The run in progress: its Stop. */
  training: AbortController | null = null;
  /** Live webcam predictions running. */
  live = false;
  readonly camera: Camera;
  /** What the webcam's status line says, and whether it is an error. */
  cameraNote = { text: '', error: false };
  private readonly listeners = new Map<PageEvent, (() => void)[]>();

  constructor(video: HTMLVideoElement) {
    this.camera = new Camera(video);
  }

  /** Calls `listener` after every change of `event`. */
  on(event: PageEvent, listener: () => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  /** Tells the listeners of `event` that it changed. */
  changed(event: PageEvent): void {
    for (const listener of this.listeners.get(event) ?? []) listener();
  }

  setBackbone(next: lib.Backbone): void {
    this.setModel(null);
    this.backbone?.dispose();
    this.backbone = next;
    this.changed('backbone');
  }

  /** The current model (the previous one freed), and how it came to be. */
  setModel(next: lib.Classifier | null, how = '', loaded: LoadedModel | null = null): void {
    if (next === this.classifier && next) {
      this.origin = { how, loaded };
      return this.changed('model');
    }
    this.live = false;
    this.classifier?.dispose();
    this.classifier = next;
    this.origin = next ? { how, loaded } : null;
    this.changed('model');
  }

  setTraining(run: AbortController | null): void {
    this.training = run;
    this.changed('training');
  }

  /** Starts the webcam (asking for it the first time). */
  async startCamera(): Promise<void> {
    if (this.camera.on) return;
    this.cameraNote = { text: 'asking for the camera…', error: false };
    this.changed('camera');
    try {
      await this.camera.start();
    } catch (e) {
      this.cameraNote = { text: (e as Error).message, error: true };
      this.changed('camera');
      throw e;
    }
    this.cameraNote = { text: `webcam on (${this.camera.size})`, error: false };
    this.changed('camera');
  }

  stopCamera(): void {
    this.live = false;
    this.camera.stop();
    this.cameraNote = { text: 'webcam off', error: false };
    this.changed('camera');
  }

  addClass(name?: string): PageClass {
    let n = this.classes.length + 1;
    while (!name && this.classes.some((c) => c.name === `Class ${n}`)) n++;
    const c: PageClass = { name: name ?? `Class ${n}`, items: [], skipped: [] };
    this.classes.push(c);
    return c;
  }

  removeItem(c: PageClass, item: Item): void {
    c.items.splice(c.items.indexOf(item), 1);
    if (item.thumb.startsWith('blob:')) URL.revokeObjectURL(item.thumb);
  }
}

export const say = showStatus;
export const sayIn = showIn;

/** Runs a UI action: its error goes to the status line (and `also`), the page keeps working. */
export function action(task: () => Promise<void>, also?: string): () => void {
  return () => {
    task().catch((e: Error) => {
      console.error(e);
      say(e.message, true);
      if (also) sayIn(also, e.message, true);
    });
  };
}

/** "1 image", "3 images". */
export const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;

/** Makes `zone` take dropped files (highlighted while dragged over) and run `task` on them. */
export function onDrop(zone: HTMLElement, task: (files: File[]) => Promise<void>): void {
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

/** Runs `task` on the files chosen in the file input `id` (then clears it for the next choice). */
export function onFiles(id: string, task: (files: File[]) => Promise<void>, also?: string): void {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    action(() => task(files), also)();
    input.value = '';
  });
}
