// Keras's half of the article: ResNet-50 weight files as Keras writes them (HDF5, both layer
// namings, with and without the classifier) read through jsfive, renamed, converted, and run
// against a PyTorch transcription of keras-applications 1.0.4's and tf.keras's ResNet50
// (tools/make-keras-golden.py); and the bad files a user may bring.
import { describe, expect, it } from 'vitest';
import { backboneWeights } from '../../src/model/backbone.js';
import { ResNet } from '../../src/model/resnet.js';
import { syntheticImages } from '../../src/model/synthetic.js';
import { relativeError } from '../../src/reference/cpu.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { parseWeightFile } from '../../src/weights/parse.js';
import { parseSafetensors, serializeSafetensors } from '../../src/weights/safetensors.js';
import { readKerasH5 } from '../../src/weights/h5.js';
import { fixture, useGpu } from '../support/helpers.js';

const ctx = useGpu();

/** Each fixture read and parsed once (jsfive takes seconds on a full ResNet-50). */
const parsed = new Map<string, Promise<{ bytes: Uint8Array; file: ReturnType<typeof readKerasH5> }>>();
function kerasFixture(name: string) {
  if (!parsed.has(name))
    parsed.set(
      name,
      fixture(name).then((bytes) => ({ bytes, file: readKerasH5(bytes, name) })),
    );
  return parsed.get(name)!;
}

async function golden() {
  const g = parseSafetensors(await fixture('keras-golden.safetensors'), 'golden');
  const m = Object.fromEntries(Object.entries(g.metadata).map(([k, v]) => [k, Number(v)]));
  return { g, images: syntheticImages(m.image_seed, m.images, m.size), n: m.images, size: m.size };
}

describe('Keras ResNet-50 weight files', () => {
  const CASES = [
    { file: 'keras-resnet50.h5', architecture: 'keras_resnet50', key: 'keras', classifier: true },
    { file: 'tf-keras-resnet50-notop.h5', architecture: 'tf_keras_resnet50', key: 'tf_keras', classifier: false },
  ];
  for (const c of CASES) {
    const outputs = c.classifier ? 'features and logits' : 'features';
    it(`${c.file}: ${c.architecture}, caffe preprocessing, ${outputs} within 1e-4 of the transcription`, async () => {
      const { file } = await kerasFixture(c.file);
      const weights = backboneWeights(
        { tensors: new Map(), metadata: file.attributes, sha256: 'sha', format: 'keras-h5', keras: file },
        c.file,
      );
      expect(weights.spec.name).toBe(c.architecture);
      expect(weights.preprocessing.name).toBe('caffe');
      expect(weights.classifier).toBe(c.classifier);
      const { g, images, n, size } = await golden();
      const model = ResNet.load(ctx.gpu, weights);
      const out = await model.embed(images, n, { height: size, width: size, logits: c.classifier });
      model.destroy();
      const features = toFloat32(g.tensors.get(`${c.key}_features`)!);
      const errors = [relativeError(out.features, features)];
      if (c.classifier) errors.push(relativeError(out.logits!, toFloat32(g.tensors.get(`${c.key}_logits`)!)));
      console.log(`${c.file} against the transcription: ${errors.map((e) => e.toExponential(2)).join(', ')}`);
      expect(relativeError(out.features, features)).toBeLessThanOrEqual(1e-4);
      if (c.classifier)
        expect(relativeError(out.logits!, toFloat32(g.tensors.get(`${c.key}_logits`)!))).toBeLessThanOrEqual(1e-4);
    }, 120_000);
  }

  it('follows layer_names and weight_names: weightless layers listed, weights in order, HWIO kernels', async () => {
    const { file } = await kerasFixture('keras-resnet50.h5');
    const names = file.layers.map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(['input_1', 'conv1_pad', 'conv1', 'bn_conv1']);
    const conv1 = file.layers[2];
    expect(conv1.weights.map((w) => w.name)).toEqual(['conv1/kernel:0', 'conv1/bias:0']);
    expect(conv1.weights[0].tensor.shape).toEqual([7, 7, 3, 64]);
    expect(file.attributes.keras_version).toBe('2.2.2');
  });

  it('a converted file declares its architecture and preprocessing and loads the same', async () => {
    const { bytes } = await kerasFixture('tf-keras-resnet50-notop.h5');
    // The whole path from bytes, as a page loading a .h5 takes it.
    const weights = backboneWeights(parseWeightFile(bytes, 'x.h5', 'sha'), 'x.h5');
    const again = backboneWeights(
      parseWeightFile(
        serializeSafetensors(weights.tensors, { architecture: weights.spec.name, preprocessing: 'caffe: ...' }),
        'y.safetensors',
        'sha2',
      ),
      'y.safetensors',
    );
    expect(again.spec.name).toBe('tf_keras_resnet50');
    expect(again.preprocessing.name).toBe('caffe');
  });

  it('refuses a truncated file, a file that is not HDF5, a Keras file of another architecture, naming it', async () => {
    const { bytes, file } = await kerasFixture('keras-resnet50.h5');
    const load = (b: Uint8Array, name: string) => () => backboneWeights(parseWeightFile(b, name, 'sha'), name);
    expect(load(bytes.slice(0, 200_000), 'cut.h5')).toThrow(/^cut\.h5: /);
    expect(load(new TextEncoder().encode('<html>not found</html>'), 'page.h5')).toThrow(/^page\.h5: not an HDF5 file$/);
    // Keras 2.2 naming with one stage-4 block dropped: not ResNet-50's shapes.
    const { kerasToTensors } = await import('../../src/model/keras.js');
    const fewer = { ...file, layers: file.layers.filter((l) => !/^(res|bn)4f_/.test(l.name)) };
    expect(() => kerasToTensors(fewer, 'fewer.h5')).toThrow(
      /^fewer\.h5: not keras_resnet50 weights: missing 18 tensors: layer3\.5\.conv1\.weight/,
    );
    const other = { ...file, layers: [{ name: 'block1_conv1', weights: file.layers[2].weights }] };
    expect(() => kerasToTensors(other, 'vgg.h5')).toThrow(/^vgg\.h5: not a Keras ResNet-50/);
  });
});
