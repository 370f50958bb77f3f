// The training page's project: its classes with their images, the settings in its controls and
// the trained model, kept in the Origin Private File System so that a reload brings it back,
// and written as one zip (the same files) to move it elsewhere. Files, in OPFS and in the zip:
//   project.json                 what the page shows: classes, items, settings, the model's origin
//   images/ID.rgb                an image's decoded pixels (RGB, 8 bits), as the page decoded it
//   model/model.json, model/head.safetensors   the model, as train.js saves it (when there is one)
// project.json is written last, each file to a temporary name first: a reload finds either the
// project before a change or after it, never half of one.
import { unzipSync, zipSync } from 'fflate';
import type * as lib from 'webgpu-transfer/internals';
import { writeAtomic } from './opfs.js';

export const PROJECT_FORMAT = 'webgpu-transfer project';
export const PROJECT_VERSION = 1;
/** Pixels one image of a project may have (as the page's decoder allows). */
const MAX_PIXELS = 100_000_000;

export interface ProjectItem {
  name: string;
  /** Its pixels' file: images/ID.rgb. */
  id: string;
  width: number;
  height: number;
  heldOut: boolean;
}

export interface ProjectJson {
  format: typeof PROJECT_FORMAT;
  version: typeof PROJECT_VERSION;
  classes: { name: string; items: ProjectItem[] }[];
  /** The value of each setting control by its id. */
  settings: Record<string, string>;
  /** How the model came to be ("trained here"), when the project has one. */
  model: { how: string } | null;
}

/** A project in memory: its description, its images' pixels by id, and its model's files. */
export interface Project {
  json: ProjectJson;
  images: Map<string, lib.RgbImage>;
  model: { modelJson: string; head: Uint8Array } | null;
}

const DIR = 'project';
const JSON_FILE = 'project.json';
const imageFile = (id: string) => `${id}.rgb`;

async function folder(create: boolean): Promise<FileSystemDirectoryHandle | null> {
  if (!navigator.storage?.getDirectory) return null;
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(DIR, { create }).catch(() => null);
}

async function entryNames(dir: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const [name] of dir as unknown as AsyncIterable<[string, FileSystemHandle]>) names.push(name);
  return names;
}

/**
 * Keeps `project` in this browser: images not kept yet, the model when `modelChanged`, then
 * project.json; images no longer in it are removed after. False where the browser has no OPFS.
 * Calls are to be made one at a time (the page queues them).
 */
export async function keepProject(project: Project, modelChanged: boolean): Promise<boolean> {
  const dir = await folder(true);
  if (!dir) return false;
  const imagesDir = await dir.getDirectoryHandle('images', { create: true });
  const kept = new Set(await entryNames(imagesDir));
  for (const [id, image] of project.images)
    if (!kept.has(imageFile(id))) await writeAtomic(imagesDir, imageFile(id), image.data);
  if (modelChanged && project.model) {
    const modelDir = await dir.getDirectoryHandle('model', { create: true });
    await writeAtomic(modelDir, 'head.safetensors', project.model.head);
    await writeAtomic(modelDir, 'model.json', project.model.modelJson);
  }
  await writeAtomic(dir, JSON_FILE, JSON.stringify(project.json));
  const wanted = new Set([...project.images.keys()].map(imageFile));
  for (const name of await entryNames(imagesDir)) if (!wanted.has(name)) await imagesDir.removeEntry(name);
  if (!project.model) await dir.removeEntry('model', { recursive: true }).catch(() => {});
  return true;
}

/** The project kept in this browser, or null when none is. Throws where what is kept is damaged. */
export async function recallProject(): Promise<Project | null> {
  const dir = await folder(false);
  if (!dir) return null;
  const read = async (parent: FileSystemDirectoryHandle, name: string) =>
    new Uint8Array(await (await (await parent.getFileHandle(name)).getFile()).arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder().decode(await read(dir, JSON_FILE));
  } catch {
    return null;
  }
  const files = new Map<string, Uint8Array>();
  const json = parseProjectJson(text, 'the project kept in this browser');
  const imagesDir = await dir.getDirectoryHandle('images');
  for (const item of json.classes.flatMap((c) => c.items))
    files.set(`images/${imageFile(item.id)}`, await read(imagesDir, imageFile(item.id)));
  if (json.model) {
    const modelDir = await dir.getDirectoryHandle('model');
    files.set('model/model.json', await read(modelDir, 'model.json'));
    files.set('model/head.safetensors', await read(modelDir, 'head.safetensors'));
  }
  return projectFromFiles(json, files, 'the project kept in this browser');
}

/** Removes the project kept in this browser. */
export async function forgetProject(): Promise<void> {
  if (!navigator.storage?.getDirectory) return;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(DIR, { recursive: true }).catch(() => {});
}

/** The project as one zip of the files above (pixels stored, not compressed again). */
export function projectZip(project: Project): Uint8Array {
  const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {
    [JSON_FILE]: new TextEncoder().encode(JSON.stringify(project.json, null, 1)),
  };
  for (const [id, image] of project.images) files[`images/${imageFile(id)}`] = [image.data, { level: 0 }];
  if (project.model) {
    files['model/model.json'] = new TextEncoder().encode(project.model.modelJson);
    files['model/head.safetensors'] = project.model.head;
  }
  return zipSync(files);
}

/** A project from the bytes of a zip that projectZip() wrote; `where` names it in errors. */
export function projectFromZip(bytes: Uint8Array, where: string): Project {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw new Error(`${where}: not a zip archive`);
  }
  const json = files[JSON_FILE];
  if (!json) throw new Error(`${where}: holds no ${JSON_FILE} (not a project the page exported)`);
  return projectFromFiles(
    parseProjectJson(new TextDecoder().decode(json), where),
    new Map(Object.entries(files)),
    where,
  );
}

function projectFromFiles(json: ProjectJson, files: Map<string, Uint8Array>, where: string): Project {
  const images = new Map<string, lib.RgbImage>();
  for (const item of json.classes.flatMap((c) => c.items)) {
    const data = files.get(`images/${imageFile(item.id)}`);
    if (!data) throw new Error(`${where}: images/${imageFile(item.id)} (${item.name}) is missing`);
    if (data.length !== item.width * item.height * 3)
      throw new Error(
        `${where}: images/${imageFile(item.id)} holds ${data.length} bytes, not ${item.width}x${item.height} RGB`,
      );
    images.set(item.id, { width: item.width, height: item.height, data });
  }
  let model: Project['model'] = null;
  if (json.model) {
    const modelJson = files.get('model/model.json'),
      head = files.get('model/head.safetensors');
    if (!modelJson || !head) throw new Error(`${where}: the model's model.json or head.safetensors is missing`);
    model = { modelJson: new TextDecoder().decode(modelJson), head };
  }
  return { json, images, model };
}

/** project.json checked field by field: a damaged or foreign file is refused with what is wrong. */
export function parseProjectJson(text: string, where: string): ProjectJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where}: ${JSON_FILE} is not JSON`);
  }
  const fail = (what: string): never => {
    throw new Error(`${where}: ${JSON_FILE}: ${what}`);
  };
  const o = value as Partial<ProjectJson> | null;
  if (!o || typeof o !== 'object' || o.format !== PROJECT_FORMAT) fail(`not a ${PROJECT_FORMAT}`);
  if (o!.version !== PROJECT_VERSION) fail(`version ${String(o!.version)}, this page reads ${PROJECT_VERSION}`);
  if (!Array.isArray(o!.classes)) fail('classes is not a list');
  const ids = new Set<string>();
  for (const c of o!.classes!) {
    if (!c || typeof c.name !== 'string' || !Array.isArray(c.items)) fail('a class without a name or items');
    for (const item of c.items) {
      const { id, name, width, height, heldOut } = (item ?? {}) as Partial<ProjectItem>;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) fail(`an image of ${c.name} has a bad id`);
      if (ids.has(id!)) fail(`image id ${id} appears twice`);
      ids.add(id!);
      if (typeof name !== 'string' || typeof heldOut !== 'boolean') fail(`image ${id} lacks a name or heldOut`);
      const whole = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
      if (!whole(width) || !whole(height) || width! * height! > MAX_PIXELS)
        fail(`image ${id} has a bad size ${String(width)}x${String(height)}`);
    }
  }
  const settings = o!.settings;
  if (!settings || typeof settings !== 'object' || Object.values(settings).some((v) => typeof v !== 'string'))
    fail('settings is not a map of control values');
  if (o!.model !== null && (typeof o!.model !== 'object' || typeof o!.model?.how !== 'string'))
    fail('model is neither null nor {how}');
  return o as ProjectJson;
}
