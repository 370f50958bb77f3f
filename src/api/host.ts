// What the library needs from its platform: reading a named file, decoding image bytes, and
// models and datasets in folders. Browsers get fetch and their own decoders here; the Node
// entry (src/index.node.ts) installs files, folders and worker decoding (host.node.ts).
import { decodeInBrowser } from '../image/decode-blob.js';
import { UnsupportedError } from '../errors.js';
import type { RgbImage } from '../image/format.js';
import type { LabelledImages } from '../train/fit.js';
import type { SavedModel } from '../train/model-format.js';

/** A dataset in folders, decoded: `train/<class>/*` and `validation/<class>/*`. */
export interface FolderDataset {
  classes: string[];
  train: LabelledImages;
  validation: LabelledImages;
}

export interface Host {
  /** The bytes of a source named by a path (Node) or a URL. */
  read(name: string): Promise<Uint8Array>;
  decode(bytes: Uint8Array, name: string, maxPixels?: number): Promise<RgbImage>;
  /** Writes model.json and head.safetensors into `dir` atomically (the format predict.js reads). */
  saveModel(dir: string, modelJson: string, head: Uint8Array): Promise<void>;
  loadModel(dir: string): Promise<SavedModel>;
  readFolders(
    dir: string,
    options: { limit?: number; maxPixels?: number; validationSplit?: number; seed?: number },
  ): Promise<FolderDataset>;
  /** The class names a folder gives (a dataset folder's train/<class>/, else its <class>/ folders). */
  folderClasses(dir: string): string[];
  /** DIR/<class>/* decoded (a dataset folder: its validation/), labelled by `classes`. */
  readLabelled(dir: string, classes: readonly string[], maxPixels?: number): Promise<LabelledImages>;
}

const needsNode = (what: string) => () => {
  throw new UnsupportedError(`${what} needs the Node entry of webgpu-transfer (in a browser: toBytes/fromBytes)`);
};

const browserHost: Host = {
  read: async (name) => {
    const response = await fetch(name);
    if (!response.ok) throw new UnsupportedError(`${name}: HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  },
  decode: (bytes, name, maxPixels) => decodeInBrowser(new Blob([bytes as Uint8Array<ArrayBuffer>]), name, maxPixels),
  saveModel: needsNode('saving to a folder'),
  loadModel: needsNode('loading from a folder'),
  readFolders: needsNode('training from a folder'),
  folderClasses: needsNode('class names from a folder'),
  readLabelled: needsNode('evaluating a folder'),
};

let current: Host = browserHost;

export function host(): Host {
  return current;
}

/** Installs the platform's host (the Node entry does this once, on import). */
export function setHost(h: Host): void {
  current = h;
}
