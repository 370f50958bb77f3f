// The predictions demo (dist/browser/index.html): a model saved by `node dist/train.js`, its
// backbone weights and some images, all chosen as files, give captioned pictures like the
// figure of deepsense.ai's "Keras vs. PyTorch" article ("87% alien, 13% predator"). Serve
// dist/browser over http(s) or localhost (npm run serve). The backbone and the classifier stay
// loaded between runs, so a second Predict with the same files is a warm prediction.
import * as lib from 'webgpu-transfer';
import { byId, runOnSubmit, showStatus } from './page.js';

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());
const fileKey = (f: File) => `${f.name}:${f.size}:${f.lastModified}`;

let gpu: Promise<lib.Gpu> | undefined;
function device(): Promise<lib.Gpu> {
  gpu ??= lib.Gpu.create({ log: false }).then((g) => {
    byId('adapter').textContent = `WebGPU: ${lib.adapterLabel(g.adapter)}`;
    return g;
  });
  return gpu;
}

let backbone: { key: string; value: lib.Backbone } | null = null;
let classifier: { key: string; value: lib.Classifier } | null = null;

/** The chosen backbone, loaded once per weights file or seed. */
async function loadBackbone(): Promise<{ value: lib.Backbone; fresh: boolean }> {
  const file = byId<HTMLInputElement>('weights').files?.[0];
  const seed = byId<HTMLInputElement>('seed').value;
  if (!file && seed === '')
    throw new Error('choose the backbone weights file, or give the seed of random:SEED weights');
  const key = file ? fileKey(file) : `random:${seed}`;
  if (backbone?.key === key) return { value: backbone.value, fresh: false };
  classifier?.value.dispose();
  classifier = null;
  backbone?.value.dispose();
  backbone = null;
  const source = file ? await bytesOf(file) : `random:${seed}`;
  backbone = { key, value: await lib.Backbone.load(source, { gpu: await device(), name: file?.name }) };
  return { value: backbone.value, fresh: true };
}

/** The chosen saved model on that backbone, loaded once per pair of files. */
async function loadClassifier(on: lib.Backbone): Promise<lib.Classifier> {
  const files = Array.from(byId<HTMLInputElement>('model').files ?? []);
  const json = files.find((f) => f.name.endsWith('.json'));
  const head = files.find((f) => f.name.endsWith('.safetensors'));
  if (!json || !head) throw new Error('choose both model.json and head.safetensors of the saved model');
  const key = `${fileKey(json)} ${fileKey(head)}`;
  if (classifier?.key === key) return classifier.value;
  classifier?.value.dispose();
  classifier = null;
  const value = await lib.Classifier.fromBytes(on, await json.text(), await bytesOf(head), json.name);
  classifier = { key, value };
  return value;
}

async function run(): Promise<void> {
  const images = Array.from(byId<HTMLInputElement>('images').files ?? []);
  if (!images.length) throw new Error('choose some images');
  showStatus('loading the model…');
  const loadStart = performance.now();
  const { value: net, fresh } = await loadBackbone();
  const model = await loadClassifier(net);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  showStatus(`predicting ${images.length} images…`);
  const start = performance.now();
  const predictions = await model.predict(images);
  const seconds = (performance.now() - start) / 1000;
  byId('results').replaceChildren(
    ...images.map((file, i) => {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      const caption = document.createElement('figcaption');
      caption.textContent = predictions[i].caption;
      figure.dataset.probabilities = JSON.stringify(model.classes.map((c) => predictions[i].probabilities[c]));
      figure.append(img, caption);
      return figure;
    }),
  );
  const loaded = fresh ? `backbone loaded in ${loadSeconds.toFixed(1)} s before` : 'backbone kept loaded: warm';
  showStatus(`${images.length} images in ${seconds.toFixed(2)} s (${loaded})`);
}

runOnSubmit(run);
