// The library in a page: a model saved by the Node example (or train.js), fetched as bytes,
// on a backbone loaded once, predicting an image given by URL. The page's query can name them:
// browser.html?model=DIR&weights=URL|random:SEED&image=URL
import { Backbone, Classifier } from 'webgpu-transfer';

const query = new URLSearchParams(location.search);
const model = query.get('model') ?? 'example-model';
const weights = query.get('weights') ?? 'random:1';
const image = query.get('image');
const caption = document.querySelector('#caption');
document.querySelector('#model').textContent = `${model}/`;
document.querySelector('#weights').textContent = weights;

try {
  const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
  const backbone = await Backbone.load(weights);
  const classifier = await Classifier.fromBytes(
    backbone,
    await (await fetch(`${model}/model.json`)).text(),
    await bytes(`${model}/head.safetensors`),
  );
  if (!image) throw new Error('name an image: ?image=URL');
  document.querySelector('#image').src = image;
  // An <img> element, a Blob, bytes or a URL: predict takes any of them.
  const [prediction] = await classifier.predict(new Blob([await bytes(image)]));
  caption.textContent = prediction.caption;
  caption.dataset.label = prediction.label;
} catch (e) {
  caption.textContent = `error: ${e.message}`;
  caption.className = 'error';
}
