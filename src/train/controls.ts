// Training controls around the article's loop: the learning-rate schedule per epoch, balanced
// class weights, and early stopping on validation loss. Plain functions of numbers, so that the
// library, train.js and the training page share them.

export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** StepLR's factor, and its default period (torchvision's fine-tuning tutorial: StepLR(step_size=7, gamma=0.1)). */
export const LR_STEP_GAMMA = 0.1;
export const DEFAULT_LR_STEP_EPOCHS = 7;

/**
 * The learning rate of the run's epoch `index` (0 for its first) of `epochs`, as PyTorch's
 * schedulers stepped once per epoch give it: constant; CosineAnnealingLR(T_max=epochs,
 * eta_min=0), lr (1 + cos(pi index / epochs)) / 2; StepLR(step_size=stepEpochs, gamma=0.1).
 */
export function scheduledLr(
  schedule: LrSchedule,
  lr: number,
  index: number,
  epochs: number,
  stepEpochs = DEFAULT_LR_STEP_EPOCHS,
): number {
  switch (schedule) {
    case 'constant':
      return lr;
    case 'cosine':
      return (lr * (1 + Math.cos((Math.PI * index) / epochs))) / 2;
    case 'step':
      return lr * LR_STEP_GAMMA ** Math.floor(index / stepEpochs);
  }
}

/** Why `weights` are not class weights for `classes` classes (one finite, non-negative number each), or null. */
export function classWeightsProblem(weights: readonly number[], classes: number): string | null {
  if (weights.length !== classes) return `${weights.length} weights for ${classes} classes`;
  const bad = weights.find((w) => !Number.isFinite(w) || w < 0);
  return bad === undefined ? null : `${bad} is not a finite non-negative weight`;
}

/**
 * Weights that balance the classes (scikit-learn's 'balanced', what Keras and PyTorch users pass
 * as class_weight / weight): images / (classes * images of the class); 0 for a class with none.
 */
export function balancedClassWeights(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const y of labels) counts[y]++;
  return counts.map((n) => (n ? labels.length / (classes * n) : 0));
}

/**
 * Keras's EarlyStopping(monitor='val_loss', patience, min_delta=0): stop once the validation
 * loss has not gone below its best for `patience` epochs in a row.
 */
export class EarlyStopping {
  best = Infinity;
  bestEpoch = 0;
  private wait = 0;

  constructor(readonly patience: number) {}

  /** Records an epoch's validation loss; true when training should stop. */
  update(epoch: number, loss: number): boolean {
    if (loss < this.best) {
      this.best = loss;
      this.bestEpoch = epoch;
      this.wait = 0;
      return false;
    }
    this.wait++;
    return this.wait >= this.patience;
  }
}
