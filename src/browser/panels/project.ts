// The project: the page's classes, images, settings and model, kept in this browser after every
// change and brought back on the next visit (../project-store.ts); "New project" starts over
// (the backbone stays); the whole project downloads as, and opens from, one project.zip.
// The status line says "saved in this browser" only once the files are written and nothing
// newer waits: a tab closed after it keeps the project.
import * as lib from 'webgpu-transfer/internals';
import { squareThumbnail } from '../camera.js';
import { byId } from '../page.js';
import { type Item, type PageState, action, images, onFiles, say, sayIn } from '../page-state.js';
import {
  PROJECT_FORMAT,
  PROJECT_VERSION,
  type Project,
  forgetProject,
  keepProject,
  projectFromZip,
  projectZip,
  recallProject,
} from '../project-store.js';

/** The containers of the setting controls whose values a project keeps. */
const SETTING_CONTAINERS = ['settings', 'advanced-settings'];

export class ProjectPanel {
  /** Each image's id in the project (its pixels' file). */
  private readonly ids = new WeakMap<Item, string>();
  private saving: Promise<void> | null = null;
  private pending = false;
  private modelChanged = false;
  /**
   * Set while a project is being put on the page, and until restore() has run: those changes
   * (the page's first empty classes among them) are not saved over the kept project.
   */
  private applying = true;
  /** A kept model that could not be loaded yet (no backbone, or another one): kept as it is. */
  private heldModel: { files: NonNullable<Project['model']>; how: string } | null = null;

  constructor(private readonly state: PageState) {
    state.on('classes', () => this.changed(false));
    state.on('model', () => {
      if (state.classifier) this.heldModel = null;
      this.changed(true);
    });
    state.on('training', () => this.changed(false));
    state.on('backbone', () => void this.loadHeldModel());
    for (const id of SETTING_CONTAINERS) byId(id).addEventListener('change', () => this.changed(false));
    byId('new-project').addEventListener(
      'click',
      action(() => this.newProject(), 'project-status'),
    );
    byId('export-project').addEventListener(
      'click',
      action(() => this.exportProject(), 'project-status'),
    );
    onFiles('import-project', (files) => this.importProject(files), 'project-status');
  }

  /**
   * The project kept in this browser, put back on the page (after the backbone, which its model
   * needs); what cannot be read is said in the project's status line.
   */
  async restore(): Promise<void> {
    try {
      const project = await recallProject();
      if (project) await this.apply(project, 'this browser', 'restored from this browser');
      else sayIn('project-status', 'a new project: this browser keeps it as you go');
    } catch (e) {
      sayIn('project-status', `the project kept in this browser could not be read: ${(e as Error).message}`, true);
    } finally {
      this.applying = false;
    }
  }

  /** Something changed: saved now, or after the save in progress (never during a run). */
  private changed(model: boolean): void {
    if (this.applying) return;
    this.modelChanged ||= model;
    this.pending = true;
    if (!this.saving && !this.state.training) this.saving = this.saveWhileChanged();
  }

  private async saveWhileChanged(): Promise<void> {
    try {
      while (this.pending && !this.state.training) {
        this.pending = false;
        const modelChanged = this.modelChanged;
        this.modelChanged = false;
        sayIn('project-status', 'saving in this browser…');
        const project = await this.snapshot();
        if (!(await keepProject(project, modelChanged)))
          return sayIn('project-status', 'this browser cannot keep the project (no storage for this page)');
        if (!this.pending) sayIn('project-status', `saved in this browser: ${summary(project)}`);
      }
    } catch (e) {
      this.modelChanged = true;
      sayIn('project-status', `not saved in this browser: ${(e as Error).message}`, true);
    } finally {
      this.saving = null;
    }
  }

  private idOf(item: Item): string {
    let id = this.ids.get(item);
    if (!id) {
      const random = crypto.getRandomValues(new Uint32Array(2));
      this.ids.set(item, (id = `${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`));
    }
    return id;
  }

  /** The page as a project. */
  private async snapshot(): Promise<Project> {
    const pixels = new Map<string, lib.RgbImage>();
    const classes = this.state.classes.map((c) => ({
      name: c.name,
      items: c.items.map((item) => {
        const id = this.idOf(item);
        pixels.set(id, item.image);
        return { name: item.name, id, width: item.image.width, height: item.image.height, heldOut: item.heldOut };
      }),
    }));
    const settings: Record<string, string> = {};
    for (const container of SETTING_CONTAINERS)
      for (const control of Array.from(byId(container).querySelectorAll<HTMLInputElement>('input[id], select[id]')))
        settings[control.id] = control.value;
    const classifier = this.state.classifier;
    let model: Project['model'] = this.heldModel?.files ?? null;
    let how = this.heldModel?.how ?? '';
    if (classifier) {
      model = await classifier.toBytes('model');
      how = this.state.origin?.how ?? '';
    }
    return {
      json: { format: PROJECT_FORMAT, version: PROJECT_VERSION, classes, settings, model: model ? { how } : null },
      images: pixels,
      model,
    };
  }

  /** Puts a project on the page, replacing what is there (the backbone stays). */
  private async apply(project: Project, where: string, how: string): Promise<void> {
    const state = this.state;
    if (state.training) throw new Error('stop the training first');
    this.applying = true;
    let note: string;
    try {
      for (const c of state.classes) for (const item of [...c.items]) state.removeItem(c, item);
      state.classes.splice(0);
      for (const c of project.json.classes) {
        const added = state.addClass(c.name);
        for (const saved of c.items) {
          const image = project.images.get(saved.id)!;
          const item: Item = { name: saved.name, image, thumb: thumbnail(image), heldOut: saved.heldOut };
          this.ids.set(item, saved.id);
          added.items.push(item);
        }
      }
      while (state.classes.length < 2) state.addClass();
      state.changed('classes');
      for (const [id, value] of Object.entries(project.json.settings)) {
        const control = document.getElementById(id);
        if (SETTING_CONTAINERS.some((c) => control?.closest(`#${c}`))) (control as HTMLInputElement).value = value;
      }
      state.setModel(null);
      this.heldModel =
        project.model && project.json.model ? { files: project.model, how: project.json.model.how } : null;
      note = await this.loadHeldModel(where);
    } finally {
      this.applying = false;
    }
    // Kept again as a whole: an opened project replaces the one kept before.
    this.modelChanged = true;
    this.changed(true);
    const counts = `${state.classes.length} classes, ${images(state.classes.reduce((n, c) => n + c.items.length, 0))}`;
    say(`project ${how}: ${counts}${state.classifier ? ' and its model' : ''}${note}`);
  }

  /** Loads the held model on the current backbone; says why not where it cannot. */
  private async loadHeldModel(where = 'the project'): Promise<string> {
    const held = this.heldModel;
    const state = this.state;
    if (!held) return '';
    if (!state.backbone) return '; its model waits for the backbone weights it was trained on (step 1)';
    try {
      const saved = await lib.savedModelFromBytes(held.files.modelJson, held.files.head, where);
      const wasApplying = this.applying;
      this.applying = true;
      try {
        state.setModel(lib.Classifier.fromSaved(state.backbone, saved, where), held.how, { saved, where });
      } finally {
        this.applying = wasApplying;
      }
      this.heldModel = null;
      return '';
    } catch (e) {
      return `; its model is kept but not loaded: ${(e as Error).message}`;
    }
  }

  private async newProject(): Promise<void> {
    const state = this.state;
    if (state.training) throw new Error('stop the training first');
    await this.saving;
    await forgetProject();
    await this.apply(
      {
        json: { format: PROJECT_FORMAT, version: PROJECT_VERSION, classes: [], settings: {}, model: null },
        images: new Map(),
        model: null,
      },
      'a new project',
      'started anew',
    );
  }

  private async exportProject(): Promise<void> {
    const project = await this.snapshot();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(
      new Blob([projectZip(project) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
    );
    a.download = 'project.zip';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    sayIn('project-status', `project.zip downloaded: ${summary(project)}`);
  }

  private async importProject(files: File[]): Promise<void> {
    const file = files[0];
    if (!file) return;
    const project = projectFromZip(new Uint8Array(await file.arrayBuffer()), file.name);
    await this.saving;
    await this.apply(project, file.name, `opened from ${file.name}`);
  }
}

function summary(project: Project): string {
  const count = project.json.classes.reduce((n, c) => n + c.items.length, 0);
  return `${project.json.classes.length} classes, ${images(count)}${project.model ? ', a model' : ''}`;
}

/** A square thumbnail of an image, as the webcam's. */
function thumbnail(image: lib.RgbImage): string {
  const { width: w, height: h } = image;
  const canvas = Object.assign(document.createElement('canvas'), { width: w, height: h });
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let i = 0, j = 0; i < w * h * 3; i += 3, j += 4) {
    rgba[j] = image.data[i];
    rgba[j + 1] = image.data[i + 1];
    rgba[j + 2] = image.data[i + 2];
    rgba[j + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, w, h), 0, 0);
  return squareThumbnail(canvas);
}
