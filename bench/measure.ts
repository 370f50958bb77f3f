// Measurement helpers with no Node APIs, shared by the Node benchmarks and the browser bench page.

/**
 * How long each side runs untimed before its timed runs: a GPU idles at low clocks (an H200
 * at 345 of 1980 MHz) and needs work for a while before it runs at full speed.
 */
export const WARMUP_MS = 500;

/** Runs `run` until WARMUP_MS have passed (at least once), so that the timed runs find the GPU busy. */
export async function warmUp(run: () => Promise<void>, minMs = WARMUP_MS): Promise<void> {
  const start = performance.now();
  do await run();
  while (performance.now() - start < minMs);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The host's cost of queueing GPU work: milliseconds from the start of `work` until its last
 * queue.submit() returns (encoding, binding, uniform writes, submit), without the wait for the
 * GPU. The device's queue is idle first, so that the time is the host's alone.
 */
export async function hostMs(device: GPUDevice, work: () => Promise<void>): Promise<number> {
  await device.queue.onSubmittedWorkDone();
  const queue = device.queue;
  const submit = queue.submit;
  let last = NaN;
  queue.submit = function (buffers: Iterable<GPUCommandBuffer>) {
    submit.call(queue, buffers);
    last = performance.now();
  };
  const start = performance.now();
  try {
    await work();
  } finally {
    queue.submit = submit;
  }
  await device.queue.onSubmittedWorkDone();
  return last - start;
}
