// The training controls' arithmetic against PyTorch (test/fixtures/controls-golden.json, written
// by tools/make-controls-golden.py): the learning rates of CosineAnnealingLR and StepLR per epoch,
// balanced class weights, and Keras's EarlyStopping rule.
import { describe, expect, it } from 'vitest';
import { EarlyStopping, balancedClassWeights, scheduledLr } from '../../src/train/controls.js';
import { fixture } from '../support/helpers.js';

const golden = JSON.parse(new TextDecoder().decode(await fixture('controls-golden.json'))) as {
  schedules: { cosine: { epochs: number; lr: number[] }; step: { epochs: number; stepEpochs: number; lr: number[] } };
};

describe('training controls', () => {
  it('learning rates per epoch as PyTorch schedulers give them', () => {
    const { cosine, step } = golden.schedules;
    const lr = (schedule: 'cosine' | 'step' | 'constant', n: number, stepEpochs?: number) =>
      Array.from({ length: n }, (_, i) => scheduledLr(schedule, 1e-3, i, n, stepEpochs));
    lr('cosine', cosine.epochs).forEach((v, i) => expect(v).toBeCloseTo(cosine.lr[i], 15));
    lr('step', step.epochs, step.stepEpochs).forEach((v, i) => expect(v).toBeCloseTo(step.lr[i], 15));
    expect(lr('constant', 3)).toEqual([1e-3, 1e-3, 1e-3]);
  });

  it('balanced class weights: images / (classes x images of the class)', () => {
    expect(balancedClassWeights([0, 0, 0, 1, 2, 2], 4)).toEqual([0.5, 1.5, 0.75, 0]);
  });

  it('early stopping after PATIENCE epochs without a new lowest loss', () => {
    const stop = new EarlyStopping(2);
    const verdicts = [0.9, 0.7, 0.7, 0.8, 0.6, 0.65, 0.61].map((loss, i) => stop.update(i + 1, loss));
    expect(verdicts).toEqual([false, false, false, true, false, false, true]);
    expect([stop.best, stop.bestEpoch]).toEqual([0.6, 5]);
  });
});
