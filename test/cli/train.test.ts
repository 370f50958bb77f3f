// The main job end to end on a small --limit of the article's dataset with random backbone
// weights: train, save, resume, predict (text, JSON, grid PNG, HTML report), consistency of
// the saved validation numbers with predict's, determinism under --seed, and bad input.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { runTool } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const ready = existsSync('dist/train.js') && existsSync(DATA);
const oneLineError = (r: { status: number | null; stderr: string }) => {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('Warning: maxDynamic'));
  expect(lines.at(-1)).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines.at(-1)!;
};

describe.skipIf(!ready)('node dist/train.js and dist/predict.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-'));
  const out = join(dir, 'model');
  const common = ['--data', DATA, '--limit', '3', '--batch-size', '4', '--weights', 'random:1', '--seed', '5'];

  it('trains, saves, resumes', () => {
    const log = join(dir, 'log.jsonl');
    const r = runTool(
      'train',
      ...common,
      ...['--epochs', '2', '--out', out, '--json', join(dir, 'history.json'), '--log-jsonl', log],
    );
    expect(r.status, r.stderr).toBe(0);
    // One JSON object per batch (3 + 3 images in batches of 4: 2 per epoch) and per epoch.
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.event)).toEqual(['batch', 'batch', 'epoch', 'batch', 'batch', 'epoch']);
    expect(events[1]).toMatchObject({ epoch: 1, batch: 2, batches: 2, seen: 6, loss: expect.any(Number) });
    expect(events[2]).toMatchObject({ epoch: 1, validation: { loss: expect.any(Number) } });
    expect(r.stdout).toMatch(/^Epoch 2\/2$/m);
    expect(r.stdout).toMatch(/epoch 1: train loss: \d+\.\d{4}, acc: \d\.\d{4}/);
    expect(r.stdout).toMatch(/epoch 2: validation loss: \d+\.\d{4}, acc: \d\.\d{4} {3}\([\d.]+ s, [\d.]+ images\/s\)/);
    expect(r.stderr).toMatch(/random backbone weights; accuracy will be near chance/);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model.classes).toEqual(['alien', 'predator']);
    expect(model.head).toMatchObject({ features: 2048, hidden: 128, classes: 2, file: 'head.safetensors' });
    expect(model.backbone).toMatchObject({ weights: 'random:1', sha256: 'synthetic:1', synthetic: true });
    expect(model.history).toHaveLength(2);
    const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
    expect(history.map((h: { epoch: number }) => h.epoch)).toEqual([1, 2]);
    expect(history[0]).toMatchObject({
      train: { loss: expect.any(Number), acc: expect.any(Number) },
      validation: { loss: expect.any(Number) },
      imagesPerSecond: expect.any(Number),
    });
    expect(readdirSync(out).sort()).toEqual(['head.safetensors', 'model.json']);

    const resumed = runTool(
      'train',
      ...['--data', DATA, '--limit', '3', '--resume', out, '--epochs', '1', '--lr-schedule', 'step'],
      ...['--lr-step', '2', '--class-weights', '2,1', '--early-stopping', '2', '--save', 'best'],
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^Epoch 3\/3$/m);
    expect(resumed.stdout).toMatch(/epoch 3: train loss: [\d.]+, acc: [\d.]+, lr 0\.00100\n/);
    expect(resumed.stdout).toMatch(/epoch 3: validation loss/);
    expect(resumed.stdout).toMatch(/kept epoch 3, the lowest validation loss/);
    const resumedJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(resumedJson.history).toHaveLength(3);
    expect(resumedJson.training).toMatchObject({
      lrSchedule: 'step',
      lrStepEpochs: 2,
      classWeights: [2, 1],
      earlyStopping: 2,
      save: 'best',
    });
    expect(resumedJson.history[2].lr).toBe(0.001);
  }, 600_000);

  it('the same --seed gives the same run', () => {
    const again = runTool('train', ...common, '--epochs', '1', '--out', join(dir, 'again'), '--quiet');
    expect(again.status, again.stderr).toBe(0);
    // --quiet: the epoch lines on stdout, and on stderr no progress (the random-weights warning stays).
    expect(again.stdout).toMatch(/epoch 1: validation loss/);
    expect(again.stderr).not.toMatch(/decode|images\/s|ETA/);
    const first = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))[0];
    const second = JSON.parse(readFileSync(join(dir, 'again', 'model.json'), 'utf8')).history[0];
    expect(second.train).toEqual(first.train);
    expect(second.validation).toEqual(first.validation);
  }, 600_000);

  it('predicts folders and globs with captions, JSON, a grid and a report consistent with training', () => {
    // The first three validation images of each class (--limit 3 keeps those), in class folders,
    // and a broken JPEG beside them: reported on one line, the others predicted, exit 1.
    const pred = join(dir, 'pred');
    for (const c of ['alien', 'predator']) {
      mkdirSync(join(pred, c), { recursive: true });
      for (const f of ['0.jpg', '1.jpg', '2.jpg']) copyFileSync(join(DATA, 'validation', c, f), join(pred, c, f));
    }
    writeFileSync(join(pred, 'alien', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const r = runTool(
      'predict',
      '--model',
      out,
      '--json',
      join(dir, 'p.json'),
      '--grid',
      join(dir, 'grid.png'),
      '--report',
      join(dir, 'report.html'),
      pred,
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: \S*pred\/alien\/broken\.jpg: corrupt or unsupported JPEG/);
    expect(r.stderr).toMatch(/error: 1 input\(s\) failed; the others were predicted/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const accuracyLine = r.stdout.trim().split('\n').pop()!;
    expect(accuracyLine).toMatch(/^accuracy: \d\.\d{4} \(\d of 6 images in class folders\)$/);
    const lines = r.stdout.trim().split('\n').slice(0, -1);
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const m = /: (\d+)% (alien|predator), (\d+)% (alien|predator)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(Number(m![3]));
      expect(Math.abs(Number(m![1]) + Number(m![3]) - 100)).toBeLessThanOrEqual(1);
    }
    // predict's probabilities reproduce the validation loss and accuracy saved by training
    // (--limit 3 keeps the first three files of each class in numeric name order: these).
    const p = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    const labels = [0, 0, 0, 1, 1, 1];
    let loss = 0,
      correct = 0;
    p.predictions.forEach((pr: { probabilities: Record<string, number> }, i: number) => {
      const probs = [pr.probabilities.alien, pr.probabilities.predator];
      loss -= Math.log(probs[labels[i]]);
      if ((probs[1] > probs[0] ? 1 : 0) === labels[i]) correct++;
    });
    const last = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).history.at(-1).validation;
    expect(loss / 6).toBeCloseTo(last.loss, 4);
    expect(correct / 6).toBeCloseTo(last.acc, 6);
    expect(p.accuracy).toBeCloseTo(last.acc, 6);
    expect(p.failures).toHaveLength(1);
    const grid = PNG.sync.read(readFileSync(join(dir, 'grid.png')));
    expect(grid.width).toBeGreaterThan(4 * 224);
    expect(grid.height).toBeGreaterThan(2 * 224);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html.match(/data:image\/png;base64,/g)).toHaveLength(6);
    // Captions are text, the image named by its path inside the folder given.
    expect(html).toContain(`<figcaption><b>alien/0.jpg</b><br>${p.predictions[0].caption}</figcaption>`);
    // The training record: its settings and the last validation's confusion matrix.
    expect(html).toMatch(/<dt>learning rate<\/dt><dd>0\.001, step \(x0\.1 every 2 epochs\)<\/dd>/);
    expect(html).toContain('<h3>Validation after epoch 3</h3><table class="confusion">');

    // evaluate.js on the same folder: the same accuracy, per-class metrics, the mistakes.
    const ev = runTool(
      'evaluate',
      ...['--model', out, '--data', pred, '--json', join(dir, 'e.json'), '--report', join(dir, 'e.html')],
    );
    expect(ev.status, ev.stderr).toBe(1);
    expect(ev.stderr).toMatch(/error: \S*broken\.jpg: corrupt or unsupported JPEG/);
    const e = JSON.parse(readFileSync(join(dir, 'e.json'), 'utf8'));
    expect(e.accuracy).toBe(p.accuracy);
    expect(e.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(e.perClass.map((m: { support: number }) => m.support)).toEqual([3, 3]);
    expect(e.mistakes).toHaveLength(6 - e.correct);
    expect(ev.stdout).toContain(`accuracy: ${e.accuracy.toFixed(4)} (${e.correct} of 6 images)`);
    expect(ev.stdout).toMatch(/^alien +\d\.\d{4} +\d\.\d{4} +\d\.\d{4} +3$/m);
    expect(readFileSync(join(dir, 'e.html'), 'utf8')).toContain('<table class="confusion">');

    // A quoted glob, a missing file and --top 1: the most probable class alone.
    const top = runTool('predict', '--model', out, '--top', '1', `${pred}/*/0.jpg`, join(dir, 'nothing.jpg'));
    expect(top.status, top.stderr).toBe(1);
    expect(top.stderr).toMatch(/error: \S*nothing\.jpg: no such file or folder/);
    const topLines = top.stdout.trim().split('\n');
    expect(topLines.slice(0, 2).map((l) => l.replace(/: \d+% \w+$/, ''))).toEqual([
      join(pred, 'alien', '0.jpg'),
      join(pred, 'predator', '0.jpg'),
    ]);
    expect(topLines[2]).toMatch(/^accuracy: .* \(\d of 2 images in class folders\)$/);
  }, 600_000);

  it('refuses bad input with one line and exit code 2', () => {
    const data = join(dir, 'data');
    for (const split of ['train', 'validation'])
      for (const c of ['alien', 'predator']) {
        mkdirSync(join(data, split, c), { recursive: true });
        for (const f of ['0.jpg', '1.jpg']) copyFileSync(join(DATA, split, c, f), join(data, split, c, f));
      }
    writeFileSync(join(data, 'train', 'alien', 'notes.txt'), 'not an image');
    writeFileSync(join(data, 'train', 'alien', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const args = ['--weights', 'random:1', '--epochs', '1', '--batch-size', '4'];
    expect(oneLineError(runTool('train', '--data', join(dir, 'nothing'), ...args))).toMatch(/nothing: no such folder/);
    expect(oneLineError(runTool('train', '--data', data, ...args, '--out', join(dir, 'm1')))).toMatch(
      /broken\.jpg: corrupt or unsupported JPEG .*--skip-bad-images/,
    );
    const skipped = runTool('train', '--data', data, ...args, '--skip-bad-images', '--out', join(dir, 'm2'));
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.stdout).toMatch(/1 non-image file\(s\) ignored/);
    expect(skipped.stderr).toMatch(/1 bad image\(s\) skipped/);
    mkdirSync(join(data, 'validation', 'yeti'));
    expect(oneLineError(runTool('train', '--data', data, ...args))).toMatch(/class 'yeti' has no folder in train/);
    rmSync(join(data, 'validation', 'yeti'), { recursive: true });
    expect(existsSync(join(dir, 'm1'))).toBe(false);
    expect(oneLineError(runTool('train', '--data', data, '--epochs', 'x'))).toMatch(
      /--epochs: 'x' is not a valid value/,
    );
    expect(oneLineError(runTool('train', '--data', data, ...args, '--val-split', '1'))).toMatch(
      /--val-split: '1' is not a valid value \(a number > 0 and < 1\)/,
    );
    expect(oneLineError(runTool('train', '--data', data, ...args, '--class-weights', '1,2,3'))).toMatch(
      /--class-weights: 3 weights for 2 classes \(alien, predator\)/,
    );
    expect(oneLineError(runTool('train', '--data', data, ...args, '--class-weights', 'heavy'))).toMatch(
      /--class-weights heavy: give auto, none, or non-negative numbers/,
    );
    expect(oneLineError(runTool('train', '--data', data, ...args, '--val-split', '0.2'))).toMatch(
      /validation: present, so --val-split does not apply/,
    );
    const trainOnly = join(dir, 'train-only');
    mkdirSync(join(trainOnly, 'train'), { recursive: true });
    for (const c of ['alien', 'predator']) {
      mkdirSync(join(trainOnly, 'train', c));
      copyFileSync(join(DATA, 'train', c, '0.jpg'), join(trainOnly, 'train', c, '0.jpg'));
    }
    expect(oneLineError(runTool('train', '--data', trainOnly, ...args))).toMatch(
      /validation: missing .*\(or hold out a share of train\/ with --val-split FRACTION\)$/,
    );
    expect(oneLineError(runTool('train', '--data', trainOnly, ...args, '--val-split', '0.5'))).toMatch(
      /train-only\/train\/alien: too few images to hold out a validation share/,
    );
    expect(oneLineError(runTool('train', '--data', data))).toMatch(
      /weights\/resnet50\.safetensors not found: run 'node dist\/fetch-weights\.js'/,
    );
    const image = join(DATA, 'validation', 'alien', '0.jpg');
    expect(oneLineError(runTool('predict', '--model', join(dir, 'none'), image))).toMatch(/none: no such model folder/);
    expect(oneLineError(runTool('predict', '--model', join(dir, 'm2'), '--weights', 'random:2', image))).toMatch(
      /made for backbone weights random:1/,
    );
    writeFileSync(join(dir, 'm2', 'head.safetensors'), 'garbage');
    expect(oneLineError(runTool('predict', '--model', join(dir, 'm2'), image))).toMatch(
      /head\.safetensors does not match model\.json/,
    );
  }, 600_000);
});
