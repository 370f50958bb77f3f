// The recipes end to end on a few images of the article's dataset: what each saves, that
// predict reproduces the validation figures training saved (the pytorch recipe's with the
// running statistics its training left), and the one-line errors for mixed-up weights.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticBackbone } from '../../src/model/backbone.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { runTool } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const KERAS = 'test/fixtures/keras-resnet50.h5';
const ready = existsSync('dist/train.js') && existsSync(DATA);
const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1)!;
const VALIDATION = ['alien/0.jpg', 'alien/1.jpg', 'predator/0.jpg', 'predator/1.jpg'].map(
  (f) => `${DATA}/validation/${f}`,
);

/** predict's mean loss and accuracy over VALIDATION (labels 0, 0, 1, 1). */
function predicted(model: string): { loss: number; acc: number } {
  const json = join(model, 'p.json');
  const r = runTool('predict', '--model', model, '--json', json, ...VALIDATION);
  expect(r.status, r.stderr).toBe(0);
  const p = JSON.parse(readFileSync(json, 'utf8')).predictions as { probabilities: Record<string, number> }[];
  let loss = 0,
    correct = 0;
  p.forEach((x, i) => {
    const label = i < 2 ? 0 : 1;
    const probs = [x.probabilities.alien, x.probabilities.predator];
    loss -= Math.log(probs[label]);
    if ((probs[1] > probs[0] ? 1 : 0) === label) correct++;
  });
  return { loss: loss / 4, acc: correct / 4 };
}

describe.skipIf(!ready)('train.js --recipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recipes-'));
  const common = ['--data', DATA, '--limit', '2', '--batch-size', '4', '--epochs', '1', '--seed', '3'];

  it('pytorch: the running statistics training left are saved with the head and used by predict', () => {
    const out = join(dir, 'pytorch');
    const r = runTool('train', ...common, '--weights', 'random:1', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json.training.recipe).toBe('pytorch');
    expect(json.preprocessing.name).toBe('torchvision');
    const head = parseSafetensors(new Uint8Array(readFileSync(join(out, 'head.safetensors'))), 'head');
    const saved = toFloat32(head.tensors.get('backbone.layer4.2.bn3.running_var')!);
    const original = toFloat32(syntheticBackbone(1).tensors.get('layer4.2.bn3.running_var')!);
    expect(saved.length).toBe(2048);
    expect(saved.some((v, i) => Math.abs(v - original[i]) > 1e-3)).toBe(true);
    expect([...head.tensors.keys()].filter((k) => k.startsWith('backbone.'))).toHaveLength(106);
    const p = predicted(out);
    expect(p.loss).toBeCloseTo(json.history[0].validation.loss, 4);
    expect(p.acc).toBe(json.history[0].validation.acc);
  }, 600_000);

  it('frozen: no running statistics; --recipe on --resume must match', () => {
    const out = join(dir, 'frozen');
    const r = runTool('train', ...common, '--weights', 'random:1', '--recipe', 'frozen', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const head = parseSafetensors(new Uint8Array(readFileSync(join(out, 'head.safetensors'))), 'head');
    expect([...head.tensors.keys()].filter((k) => k.startsWith('backbone.'))).toEqual([]);
    const p = predicted(out);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(p.loss).toBeCloseTo(json.history[0].validation.loss, 4);
    const resumed = runTool('train', '--data', DATA, '--resume', out, '--recipe', 'pytorch');
    expect(resumed.status).toBe(2);
    expect(lastLine(resumed)).toMatch(/--recipe pytorch: the resumed model was trained with the frozen recipe/);
  }, 600_000);

  it('keras: Keras .h5 weights, caffe preprocessing, predict agrees; weights of the other kind are refused', () => {
    const out = join(dir, 'keras');
    const r = runTool('train', ...common, '--weights', KERAS, '--recipe', 'keras', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(json).toMatchObject({
      architecture: 'keras_resnet50',
      preprocessing: { name: 'caffe', resize: 'nearest', channels: 'bgr' },
      training: { recipe: 'keras', fill: 'nearest' },
    });
    const p = predicted(out);
    expect(p.loss).toBeCloseTo(json.history[0].validation.loss, 4);
    expect(p.acc).toBe(json.history[0].validation.acc);

    const wrong = runTool('train', ...common, '--weights', KERAS, '--recipe', 'pytorch', '--out', join(dir, 'x'));
    expect(wrong.status).toBe(2);
    expect(lastLine(wrong)).toMatch(
      /keras-resnet50\.h5: the pytorch recipe takes torchvision weights, not keras_resnet50/,
    );
    const other = runTool('train', ...common, '--weights', 'random:1', '--recipe', 'keras', '--out', join(dir, 'y'));
    expect(other.status).toBe(2);
    expect(lastLine(other)).toMatch(/the keras recipe takes Keras ResNet-50 weights/);
    const mixed = runTool('predict', '--model', out, '--weights', 'random:1', VALIDATION[0]);
    expect(mixed.status).toBe(2);
    expect(lastLine(mixed)).toMatch(/^error: .*keras: made for backbone weights/);
  }, 600_000);
});

describe.skipIf(!existsSync('dist/convert-weights.js'))('bad Keras files through the tools', () => {
  it('a truncated .h5, or a page saved as .h5, ends in one line naming the file, exit 2, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-h5-'));
    const cut = join(dir, 'cut.h5');
    writeFileSync(cut, readFileSync(KERAS).subarray(0, 300_000));
    const page = join(dir, 'page.h5');
    writeFileSync(page, '<html>404</html>');
    for (const [file, why] of [
      [cut, /cut\.h5: truncated or corrupt HDF5/],
      [page, /page\.h5: not an HDF5 file$/],
    ] as const) {
      const r = runTool('convert-weights', file, join(dir, 'out.safetensors'));
      expect(r.status, r.stderr).toBe(2);
      expect(lastLine(r)).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(dir, 'out.safetensors'))).toBe(false);
  });
});
