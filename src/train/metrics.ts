// Classification metrics of predicted probabilities against true classes: accuracy, per-class
// precision, recall and F1 (scikit-learn's definitions, 0 where undefined), the confusion matrix,
// and the most confidently wrong images. No Node APIs: the tools and pages share it.
import { argmax } from './fit.js';

export interface ClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  /** Images whose true class this is. */
  support: number;
}

export interface Mistake {
  /** Index of the image in the evaluated list. */
  index: number;
  label: number;
  predicted: number;
  /** The predicted class's probability. */
  confidence: number;
}

export interface Evaluation {
  images: number;
  correct: number;
  accuracy: number;
  perClass: ClassMetrics[];
  /** Unweighted means of precision, recall and F1 over the classes. */
  macro: { precision: number; recall: number; f1: number };
  /** Counts by true class (rows) and predicted class (columns). */
  confusion: number[][];
  /** Wrong predictions, the most confident first. */
  mistakes: Mistake[];
}

const ratio = (a: number, b: number) => (b ? a / b : 0);

/** Metrics of `probabilities` (one row of `classes.length` per image) against `labels`. */
export function evaluatePredictions(
  classes: readonly string[],
  labels: readonly number[],
  probabilities: readonly ArrayLike<number>[],
): Evaluation {
  const C = classes.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const mistakes: Mistake[] = [];
  probabilities.forEach((row, index) => {
    const predicted = argmax(row);
    const label = labels[index];
    confusion[label][predicted]++;
    if (predicted !== label) mistakes.push({ index, label, predicted, confidence: row[predicted] });
  });
  mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  const perClass = classes.map((name, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k], 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { class: name, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const mean = (pick: (m: ClassMetrics) => number) => perClass.reduce((a, m) => a + pick(m), 0) / C;
  const correct = confusion.reduce((a, row, k) => a + row[k], 0);
  return {
    images: labels.length,
    correct,
    accuracy: ratio(correct, labels.length),
    perClass,
    macro: { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) },
    confusion,
    mistakes,
  };
}

/** The per-class rows and the macro average as the tables show them: class, precision, recall, F1, images. */
export function metricsRows(e: Evaluation): string[][] {
  const f = (x: number) => x.toFixed(4);
  return [
    ...e.perClass.map((m) => [m.class, f(m.precision), f(m.recall), f(m.f1), String(m.support)]),
    ['macro average', f(e.macro.precision), f(e.macro.recall), f(e.macro.f1), String(e.images)],
  ];
}

/** Rows of cells as aligned text columns (the first left-aligned, the others right-aligned). */
export function textTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

/** The evaluation as the text evaluate.js prints: metrics per class, then the confusion matrix. */
export function evaluationText(classes: readonly string[], e: Evaluation): string {
  const f = (x: number) => x.toFixed(4);
  const metrics = textTable([['class', 'precision', 'recall', 'f1', 'images'], ...metricsRows(e)]);
  const confusion = textTable([
    ['true \\ predicted', ...classes],
    ...e.confusion.map((row, k) => [classes[k], ...row.map(String)]),
  ]);
  return (
    `accuracy: ${f(e.accuracy)} (${e.correct} of ${e.images} images)\n\n${metrics}\n\n` +
    `confusion matrix (rows: true class, columns: predicted)\n${confusion}`
  );
}
