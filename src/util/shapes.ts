// Shape arithmetic that kernels, references and the model share.

/** Output length along one axis of a conv or pooling window: the one formula for both. */
export function outputSize(input: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - kernel) / stride) + 1;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
