// The Node host of the library: files by path (URLs by fetch), JPEG and PNG decoding, model
// folders written atomically under their lock, and dataset folders decoded on worker threads.
import { readFile } from 'node:fs/promises';
import { decodeAll } from '../data/decode-all.node.js';
import { DataError, folderClasses, readImageFolders, readLabelledFolder } from '../data/folders.node.js';
import { InputError } from '../errors.js';
import { decodeImage } from '../image/decode.node.js';
import type { LabelledImages } from '../train/fit.js';
import { loadModel, saveModelFiles } from '../train/model-files.node.js';
import type { FolderDataset, Host } from './host.js';

const isUrl = (name: string) => /^(https?|data|blob):/.test(name);

export const nodeHost: Host = {
  read: async (name) => {
    if (isUrl(name)) {
      const response = await fetch(name);
      if (!response.ok) throw new InputError(`${name}: HTTP ${response.status} ${response.statusText}`);
      return new Uint8Array(await response.arrayBuffer());
    }
    try {
      return new Uint8Array(await readFile(name));
    } catch (e) {
      throw new InputError(`${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  },
  decode: async (bytes, name, maxPixels) => decodeImage(bytes, name, maxPixels),
  saveModel: async (dir, modelJson, head) => saveModelFiles(dir, modelJson, head),
  loadModel: async (dir) => loadModel(dir),
  folderClasses: (dir) => folderClasses(dir),
  readLabelled: async (dir, classes, maxPixels) => {
    const { samples } = readLabelledFolder(dir, classes);
    if (!samples.length) throw new DataError(`${dir}: no images`);
    const decoded = await decodeAll(
      samples.map((s) => s.file),
      { skipBad: false, maxPixels },
    );
    return { images: samples.map((_, i) => decoded.images[i]!), labels: samples.map((s) => s.label) };
  },
  readFolders: async (dir, options): Promise<FolderDataset> => {
    const dataset = readImageFolders(dir, options.limit ?? Infinity, {
      validationSplit: options.validationSplit,
      seed: options.seed,
    });
    const samples = [...dataset.splits.train, ...dataset.splits.validation];
    const decoded = await decodeAll(
      samples.map((s) => s.file),
      { skipBad: false, maxPixels: options.maxPixels },
    );
    const split = (offset: number, n: number): LabelledImages => {
      if (!n) throw new DataError(`${dir}: no images in a split`);
      const part = samples.slice(offset, offset + n);
      return { images: part.map((_, i) => decoded.images[offset + i]!), labels: part.map((s) => s.label) };
    };
    const nTrain = dataset.splits.train.length;
    return {
      classes: dataset.classes,
      train: split(0, nTrain),
      validation: split(nTrain, dataset.splits.validation.length),
    };
  },
};
