// export.js: the article's PyTorch model as torch.save writes its state_dict, its Keras model's
// weights as model.save_weights writes them, and backbone + head as one ONNX model. Checked here
// by reading them back (our torch.save and HDF5 readers), by ONNX Runtime (onnxruntime-node, CPU)
// against the library's probabilities, and, where Debian's Python packages are installed, by
// PyTorch running the article's own loading code, by h5py read as Keras reads, and by onnx's checker.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backbone, Classifier, readBackboneWeights, readImage } from '../../src/index.node.js';
import { type Preprocessing, preprocess } from '../../src/image/preprocess.js';
import { kerasToTensors } from '../../src/model/keras.js';
import type { BackboneWeights } from '../../src/model/backbone.js';
import { readKerasH5, readKerasLayout } from '../../src/weights/h5.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { readPth } from '../../src/weights/pth.js';
import { torchSaveBytes } from '../../src/export/torch.js';
import { useGpu } from '../support/helpers.js';
import { runTool } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const KERAS = 'test/fixtures/keras-resnet50.h5';
const ready = existsSync('dist/export.js') && existsSync(DATA);
const python = (...args: string[]) => spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
const hasPython = (modules: string) => existsSync('/usr/bin/python3') && python('-c', `import ${modules}`).status === 0;
const IMAGES = [`${DATA}/validation/alien/2.jpg`, `${DATA}/validation/predator/5.jpg`];
const dir = mkdtempSync(join(tmpdir(), 'export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Probabilities [image][class] from ONNX Runtime on the model's preprocessing, as NCHW. */
async function onnxProbabilities(file: string, model: string): Promise<number[][]> {
  const p = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).preprocessing as Preprocessing;
  const S = p.size;
  const input = new Float32Array(IMAGES.length * 3 * S * S);
  IMAGES.forEach((f, n) => {
    const hwc = preprocess(readImage(f), S, p).input;
    for (let c = 0; c < 3; c++) for (let i = 0; i < S * S; i++) input[(n * 3 + c) * S * S + i] = hwc[i * 3 + c];
  });
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ input: new ort.Tensor('float32', input, [IMAGES.length, 3, S, S]) });
  const data = Array.from(out.probabilities.data as Float32Array);
  return IMAGES.map((_, n) => data.slice(n * 2, n * 2 + 2));
}

const worst = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i][k]))));

describe.skipIf(!ready)('export.js', () => {
  const ctx = useGpu();
  const torchModel = join(dir, 'torch-model');
  const kerasModel = join(dir, 'keras-model');
  const ours: Record<string, number[][]> = {};
  let kerasWeights: BackboneWeights;

  beforeAll(async () => {
    // One image per class to train on and one to validate on; the pytorch recipe updates the
    // running statistics, which the export must carry.
    const pick = (split: string, f: string) =>
      ['alien', 'predator'].map((c) => readImage(`${DATA}/${split}/${c}/${f}`));
    const data = { images: pick('train', '0.jpg'), labels: [0, 1] };
    const validation = { images: pick('validation', '0.jpg'), labels: [0, 1] };
    for (const [out, source, recipe] of [
      [torchModel, 'random:2', 'pytorch'],
      [kerasModel, KERAS, 'keras'],
    ] as const) {
      const weights = readBackboneWeights(source);
      if (out === kerasModel) kerasWeights = weights;
      const backbone = await Backbone.load(weights, { gpu: ctx.gpu });
      const classifier = Classifier.create(backbone, ['alien', 'predator'], { recipe, augment: 'none', batchSize: 2 });
      await classifier.fit(data, { epochs: 1, validation });
      await classifier.save(out);
      ours[out] = (await classifier.predict(IMAGES)).map((p) => classifier.classes.map((c) => p.probabilities[c]));
      classifier.dispose();
      backbone.dispose();
    }
    const t = runTool(
      'export',
      '--model',
      torchModel,
      '--torch',
      join(dir, 'm.pth'),
      '--onnx',
      join(dir, 'torch.onnx'),
    );
    expect(t.status, t.stderr).toBe(0);
    const k = runTool('export', '--model', kerasModel, '--keras', join(dir, 'm.h5'), '--onnx', join(dir, 'keras.onnx'));
    expect(k.status, k.stderr).toBe(0);
  }, 300_000);

  it("writes the PyTorch model's state_dict in torch.save's format, running statistics included", () => {
    const state = readPth(new Uint8Array(readFileSync(join(dir, 'm.pth'))), 'm.pth');
    const head = readFileSync(join(torchModel, 'head.safetensors'));
    expect([...state.keys()].slice(0, 6)).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
    ]);
    expect([...state.keys()].slice(-4)).toEqual(['fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias']);
    expect(state.get('fc.2.weight')!.shape).toEqual([2, 128]);
    // One training step (2 images in a batch of 2) updated every batchnorm once.
    expect(state.get('layer4.2.bn3.num_batches_tracked')!.data).toEqual(BigInt64Array.of(1n));
    const backbone = readBackboneWeights('random:2').tensors;
    const mean = toFloat32(state.get('layer1.0.bn1.running_mean')!);
    expect(Array.from(mean)).not.toEqual(Array.from(toFloat32(backbone.get('layer1.0.bn1.running_mean')!)));
    expect(head.includes(Buffer.from('backbone.layer1.0.bn1.running_mean'))).toBe(true);
  });

  it("writes the Keras model's weights as save_weights does: conv_base's layers, then the two Dense layers", () => {
    const file = readKerasH5(new Uint8Array(readFileSync(join(dir, 'm.h5'))), 'm.h5');
    const source = readKerasLayout(new Uint8Array(readFileSync(KERAS)), KERAS);
    const weighted = (layers: { name: string; weights: unknown[] }[]) =>
      layers.filter((l) => l.weights.length).map((l) => l.name);
    // conv_base's layers with weights, in the order Keras lists a model's layers (by depth from
    // the output: a conv block's 2c conv, then its shortcut conv, then their batchnorms).
    const base = weighted(source.layers).filter((name) => name !== 'fc1000');
    expect([...weighted(file.layers)].sort()).toEqual([...base, 'dense_1', 'dense_2'].sort());
    expect(weighted(file.layers).slice(4, 10)).toEqual([
      'res2a_branch2b',
      'bn2a_branch2b',
      'res2a_branch2c',
      'res2a_branch1',
      'bn2a_branch2c',
      'bn2a_branch1',
    ]);
    expect(file.layers.map((l) => l.name)).toContain('global_average_pooling2d_1');
    expect(file.attributes).toMatchObject({ keras_version: '2.2.2', backend: 'tensorflow' });
    // The backbone's weights to the bit: read back by our Keras importer, as the source file's.
    const backbone = file.layers.filter((l) => !/^dense_/.test(l.name));
    const { tensors } = kerasToTensors({ layers: backbone, attributes: file.attributes }, 'm.h5');
    expect(tensors.size).toBe(kerasWeights.tensors.size - 2); // all but the ImageNet fc
    const bytes = (t: { data: Float32Array }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    for (const [name, t] of tensors)
      expect(
        bytes(t as { data: Float32Array }).equals(bytes(kerasWeights.tensors.get(name) as { data: Float32Array })),
        name,
      ).toBe(true);
    const dense2 = file.layers.find((l) => l.name === 'dense_2')!;
    expect(dense2.weights.map((w) => [w.name, w.tensor.shape])).toEqual([
      ['dense_2/kernel:0', [128, 2]],
      ['dense_2/bias:0', [2]],
    ]);
  });

  it('ONNX Runtime gives our probabilities for both recipes (1e-4)', async () => {
    expect(worst(await onnxProbabilities(join(dir, 'torch.onnx'), torchModel), ours[torchModel])).toBeLessThan(1e-4);
    expect(worst(await onnxProbabilities(join(dir, 'keras.onnx'), kerasModel), ours[kerasModel])).toBeLessThan(1e-4);
  });

  it.runIf(hasPython('torch, torchvision'))(
    "PyTorch runs the article's loading code on it: our probabilities (1e-4)",
    () => {
      const r = python('tools/check-torch-export.py', join(dir, 'm.pth'), '2', ...IMAGES);
      expect(r.status, r.stderr).toBe(0);
      expect(worst(JSON.parse(r.stdout), ours[torchModel])).toBeLessThan(1e-4);
    },
  );

  it.runIf(hasPython('h5py'))('h5py reads the Keras file as Keras 2.2.2 loads it', () => {
    const r = python('tools/check-keras-export.py', join(dir, 'm.h5'), KERAS, '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('ok: 108 weighted layers');
  });

  it.runIf(hasPython('onnx'))("onnx's checker accepts the ONNX models", () => {
    for (const f of ['torch.onnx', 'keras.onnx']) {
      const r = python('-c', `import onnx; onnx.checker.check_model(onnx.load('${join(dir, f)}'), full_check=True)`);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  describe("import.js: the article's saved models back", () => {
    const probabilitiesOf = (model: string) => {
      const json = join(dir, `${model.split('/').at(-1)}-predictions.json`);
      const r = runTool('predict', '--model', model, '--json', json, ...IMAGES);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(readFileSync(json, 'utf8')) as {
        predictions: { probabilities: Record<string, number> }[];
      };
      return out.predictions.map((p) => ['alien', 'predator'].map((c) => p.probabilities[c]));
    };
    const imported = (name: string, ...args: string[]) => {
      const out = join(dir, name);
      const r = runTool('import', ...args, '--classes', 'alien,predator', '--out', out);
      expect(r.status, r.stderr).toBe(0);
      return out;
    };

    it('a torch.save state_dict (ours): the same probabilities, the running statistics kept', () => {
      const out = imported('torch-imported', '--torch', join(dir, 'm.pth'));
      expect(readdirSync(out).sort()).toEqual(['backbone.safetensors', 'head.safetensors', 'model.json']);
      expect(worst(probabilitiesOf(out), ours[torchModel])).toBeLessThan(1e-5);
      const running = (model: string) => {
        const head = readFileSync(join(model, 'head.safetensors'));
        return head.includes(Buffer.from('backbone.layer1.0.bn1.running_mean'));
      };
      expect(running(out)).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).training.recipe).toBe('pytorch');
    });

    it("Keras's model.save, and save_weights with to_json: written by export.js, read back the same", () => {
      const save = runTool(
        'export',
        '--model',
        kerasModel,
        '--keras-model',
        join(dir, 'model.h5'),
        '--keras-json',
        join(dir, 'architecture.json'),
      );
      expect(save.status, save.stderr).toBe(0);
      const whole = imported('keras-imported', '--keras', join(dir, 'model.h5'));
      expect(worst(probabilitiesOf(whole), ours[kerasModel])).toBeLessThan(1e-5);
      const parts = imported(
        'keras-parts',
        '--keras',
        join(dir, 'm.h5'),
        '--architecture',
        join(dir, 'architecture.json'),
      );
      expect(worst(probabilitiesOf(parts), ours[kerasModel])).toBeLessThan(1e-5);
      const json = JSON.parse(readFileSync(join(dir, 'architecture.json'), 'utf8'));
      expect([json.class_name, json.keras_version, json.backend, json.config.layers.length]).toEqual([
        'Model',
        '2.2.2',
        'tensorflow',
        177,
      ]);
    });

    it.runIf(hasPython('torch, torchvision, h5py'))(
      "files the article's own code writes: PyTorch 0.4.1's torch.save and Keras's model.save (h5py)",
      () => {
        for (const kind of ['torch', 'keras']) {
          const file = join(dir, `article-${kind}.h5`);
          const made = python('tools/make-article-models.py', kind, file, ...IMAGES);
          expect(made.status, made.stderr).toBe(0);
          const want = JSON.parse(made.stdout.trim().split('\n').at(-1)!).probabilities as number[][];
          const out = imported(`article-${kind}`, `--${kind}`, file);
          expect(worst(probabilitiesOf(out), want), kind).toBeLessThan(1e-4);
        }
        // Our model.save's model_config is the one a transcription of Keras 2.2.2 (in Python) gives.
        const config = python('tools/make-article-models.py', 'config', '2');
        const ours_ = python('-c', `import h5py; print(h5py.File('${join(dir, 'model.h5')}').attrs['model_config'])`);
        expect(JSON.parse(ours_.stdout)).toEqual(JSON.parse(config.stdout));
      },
      300_000,
    );

    it("refuses what is not the article's model in one line, exit 2, writing nothing", () => {
      const refuse = (args: string[], message: RegExp) => {
        const out = join(dir, 'refused');
        const r = runTool('import', ...args, '--out', out);
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
        expect(existsSync(out)).toBe(false);
      };
      const state = readPth(new Uint8Array(readFileSync(join(dir, 'm.pth'))), 'm.pth');
      const variant = (name: string, edit: (s: typeof state) => void) => {
        const copy = new Map(state);
        edit(copy);
        const file = join(dir, name);
        writeFileSync(file, torchSaveBytes(copy));
        return file;
      };
      const plain = variant('plain.pth', (s) => {
        for (const k of ['fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias']) s.delete(k);
        s.set('fc.weight', { dtype: 'float32', shape: [1000, 2048], data: new Float32Array(2048000) });
      });
      refuse(
        ['--torch', plain, '--classes', 'a,b'],
        /plain\.pth: not the article's PyTorch model: a single Linear head/,
      );
      const narrow = variant('narrow.pth', (s) => {
        s.set('fc.0.weight', { dtype: 'float32', shape: [64, 2048], data: new Float32Array(64 * 2048) });
        s.set('fc.0.bias', { dtype: 'float32', shape: [64], data: new Float32Array(64) });
        s.set('fc.2.weight', { dtype: 'float32', shape: [2, 64], data: new Float32Array(128) });
      });
      refuse(
        ['--torch', narrow, '--classes', 'a,b'],
        /narrow\.pth: its head has 64 hidden units; the article's has 128/,
      );
      refuse(
        ['--torch', join(dir, 'm.pth'), '--classes', 'a,b,c'],
        /m\.pth: its head has 2 outputs, but --classes names 3/,
      );
      refuse(['--keras', join(dir, 'm.h5'), '--classes', 'a,b'], /m\.h5: weights without the model \(save_weights\)/);
      const json = JSON.parse(readFileSync(join(dir, 'architecture.json'), 'utf8'));
      json.config.layers.at(-1).config.activation = 'sigmoid';
      writeFileSync(join(dir, 'sigmoid.json'), JSON.stringify(json));
      refuse(
        ['--keras', join(dir, 'm.h5'), '--architecture', join(dir, 'sigmoid.json'), '--classes', 'a,b'],
        /sigmoid\.json: not the article's Keras model: it does not end in GlobalAveragePooling2D/,
      );
      json.config.layers.at(-1).config.activation = 'softmax';
      json.config.layers[2].name = 'conv0';
      writeFileSync(join(dir, 'renamed.json'), JSON.stringify(json));
      refuse(
        ['--keras', join(dir, 'm.h5'), '--architecture', join(dir, 'renamed.json'), '--classes', 'a,b'],
        /renamed\.json: does not describe the weights in .*m\.h5 \(layer 1 with weights is conv0 there, conv1 in/,
      );
      refuse(
        [
          '--keras',
          'test/fixtures/tf-keras-resnet50-notop.h5',
          '--architecture',
          join(dir, 'architecture.json'),
          '--classes',
          'a,b',
        ],
        /architecture\.json: does not describe the weights in .*tf-keras-resnet50-notop\.h5/,
      );
    });
  });

  it('refuses with one line and exit code 2, writing nothing', () => {
    const error = (r: { status: number | null; stderr: string }) => {
      expect(r.status, r.stderr).toBe(2);
      return r.stderr.trim().split('\n').at(-1)!;
    };
    const nowhere = join(dir, 'missing', 'm.pth');
    expect(error(runTool('export', '--model', torchModel, '--torch', nowhere))).toMatch(
      new RegExp(`^error: ${nowhere}: cannot write \\(`),
    );
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(error(runTool('export', '--model', torchModel, '--keras', join(dir, 'x.h5')))).toMatch(
      /--keras writes the article's Keras model, whose backbone is a Keras ResNet50 \(\.h5\) file/,
    );
    expect(existsSync(join(dir, 'x.h5'))).toBe(false);
    expect(error(runTool('export', '--model', kerasModel, '--torch', join(dir, 'x.pth')))).toMatch(
      /has no torchvision state_dict; export it with --keras/,
    );
    expect(error(runTool('export', '--model', torchModel))).toMatch(/nothing to export/);
  });
});
