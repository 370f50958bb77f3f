// evaluate.js's arithmetic and drawing without a GPU: per-class precision, recall and F1 with
// the undefined cases at 0 (scikit-learn's zero_division=0), the confusion matrix, mistakes
// ordered by confidence, the text tables, and captions wrapped to a grid cell's width.
import { describe, expect, it } from 'vitest';
import { evaluatePredictions, evaluationText } from '../../src/train/metrics.js';
import { wrapText } from '../../src/render/grid.node.js';
import { textWidth } from '../../src/render/font.js';

describe('evaluation metrics', () => {
  it('precision, recall, F1, the confusion matrix and the most confident mistakes', () => {
    const classes = ['cat', 'dog', 'fox'];
    const labels = [0, 0, 0, 1, 1, 2];
    const p = [
      [0.9, 0.05, 0.05],
      [0.2, 0.7, 0.1],
      [0.6, 0.3, 0.1],
      [0.1, 0.8, 0.1],
      [0.95, 0.03, 0.02],
      [0.3, 0.6, 0.1],
    ];
    const e = evaluatePredictions(classes, labels, p);
    expect(e.confusion).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [0, 1, 0],
    ]);
    expect([e.correct, e.accuracy]).toEqual([3, 0.5]);
    // cat: 2 of 3 predicted cats right, 2 of 3 cats found; dog 1 of 3 and 1 of 2; fox never predicted.
    expect(e.perClass[0]).toMatchObject({ precision: 2 / 3, recall: 2 / 3, support: 3 });
    expect(e.perClass[0].f1).toBeCloseTo(2 / 3, 15);
    expect(e.perClass[1]).toMatchObject({ precision: 1 / 3, recall: 1 / 2, support: 2 });
    expect(e.perClass[1].f1).toBeCloseTo(0.4, 15);
    expect(e.perClass[2]).toEqual({ class: 'fox', precision: 0, recall: 0, f1: 0, support: 1 });
    expect(e.macro.recall).toBeCloseTo((2 / 3 + 1 / 2) / 3, 15);
    expect(e.mistakes.map((m) => [m.index, m.predicted, m.confidence])).toEqual([
      [4, 0, 0.95],
      [1, 1, 0.7],
      [5, 1, 0.6],
    ]);
    const text = evaluationText(classes, e);
    expect(text).toContain('accuracy: 0.5000 (3 of 6 images)');
    expect(text).toContain('cat               0.6667  0.6667  0.6667       3');
    expect(text).toContain('true \\ predicted  cat  dog  fox\ncat                 2    1    0');
  });
});

describe('grid captions', () => {
  it('wrap at spaces and slashes, and cut a word only when it alone is too wide', () => {
    const width = textWidth('x'.repeat(12), 2);
    const lines = wrapText('validation/predator/123456789012345.jpg 87% alien', width);
    expect(lines).toEqual(['validation/', 'predator/', '123456789012', '345.jpg 87%', 'alien']);
    for (const line of lines) expect(textWidth(line, 2)).toBeLessThanOrEqual(width);
    expect(wrapText('87% alien, 13% predator', textWidth('87% alien, 13% predator', 2))).toEqual([
      '87% alien, 13% predator',
    ]);
    expect(wrapText('', width)).toEqual(['']);
  });
});
