// The predictions demo (dist/browser/index.html): a model saved by `node dist/train.js`, its
// backbone weights and some images, all chosen as files, give captioned pictures like the
// figure of deepsense.ai's "Keras vs. PyTorch" article ("87% alien, 13% predator"). Serve
// dist/browser over http(s) or localhost.
import * as lib from 'webgpu-transfer';
import { byId, runOnSubmit, showStatus } from './page.js';

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());

let gpu: Promise<lib.Gpu> | undefined;
function device(): Promise<lib.Gpu> {
  gpu ??= lib.Gpu.create({ log: false }).then((g) => {
    byId('adapter').textContent = `WebGPU: ${lib.adapterLabel(g.adapter)}`;
    return g;
  });
  return gpu;
}

async function savedModel(files: File[]): Promise<lib.SavedModel> {
  const json = files.find((f) => f.name.endsWith('.json'));
  const head = files.find((f) => f.name.endsWith('.safetensors'));
  if (!json || !head) throw new Error('choose both model.json and head.safetensors of the saved model');
  return lib.savedModelFromBytes(await json.text(), await bytesOf(head), json.name);
}

async function backbone(): Promise<lib.BackboneWeights> {
  const file = byId<HTMLInputElement>('weights').files?.[0];
  if (file) return lib.backboneFromBytes(await bytesOf(file), file.name);
  const seed = byId<HTMLInputElement>('seed').value;
  if (seed === '') throw new Error('choose the backbone weights file, or give the seed of random:SEED weights');
  return lib.syntheticBackbone(Number(seed));
}

async function run(): Promise<void> {
  const images = Array.from(byId<HTMLInputElement>('images').files ?? []);
  if (!images.length) throw new Error('choose some images');
  showStatus('loading the model…');
  const saved = await savedModel(Array.from(byId<HTMLInputElement>('model').files ?? []));
  const weights = await backbone();
  lib.checkBackbone(saved, weights, 'the saved model');
  const decoded = await Promise.all(images.map((file) => lib.decodeInBrowser(file, file.name)));
  const g = await device();
  showStatus(`predicting ${images.length} images…`);
  const start = performance.now();
  const probabilities = await lib.predict(g, saved, weights, decoded);
  const seconds = (performance.now() - start) / 1000;
  const C = saved.json.classes.length;
  byId('results').replaceChildren(
    ...images.map((file, i) => {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      const caption = document.createElement('figcaption');
      caption.textContent = lib.caption(probabilities.subarray(i * C, (i + 1) * C), saved.json.classes);
      figure.dataset.probabilities = JSON.stringify(Array.from(probabilities.subarray(i * C, (i + 1) * C)));
      figure.append(img, caption);
      return figure;
    }),
  );
  showStatus(`${images.length} images in ${seconds.toFixed(1)} s (backbone load included)`);
}

runOnSubmit(run);
