// TensorFlow.js 4.22's WebGPU backend as the benchmark peer, on the same dawn.node instance.
// The backend reads navigator.gpu and the WebGPU globals when it is imported, so both are
// set first and the TF.js modules are imported dynamically.
import { median, warmUp } from './measure.js';

export interface TfPeer {
  name: string;
  tf: typeof import('@tensorflow/tfjs-core');
  /** Submits TF.js's pending commands and waits for the GPU to finish them. */
  finish(): Promise<void>;
  dispose(): void;
  /**
   * Times `run` (which returns a TF.js tensor): one run whose values are returned for the
   * cross-check, warm-up runs, then the median wall time of `runs` runs, each awaited on the GPU.
   */
  time(
    run: () => { data(): Promise<unknown>; dispose(): void },
    runs: number,
  ): Promise<{ ms: number; output: Float32Array }>;
}

export async function loadTfPeer(): Promise<TfPeer> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) throw new Error('loadTfPeer: create our Gpu first (it installs navigator.gpu in Node)');
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its WebGPU backend');
  await tf.ready();
  const backend = tf.backend() as unknown as {
    device: GPUDevice;
    commandEncoder: GPUCommandEncoder | null;
    ensureCommandEncoderReady(): void;
    endComputePassEncoder(): void;
    submitQueue(): void;
  };
  const peer: TfPeer = {
    name: `tfjs-webgpu ${tf.version_core}`,
    tf,
    finish: async () => {
      // What TF.js itself does before a readback: close the open pass, then submit.
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await backend.device.queue.onSubmittedWorkDone();
    },
    dispose: () => tf.engine().reset(),
    time: async (run, runs) => {
      const warm = run();
      const output = (await warm.data()) as Float32Array;
      warm.dispose();
      await warmUp(async () => {
        const out = run();
        await peer.finish();
        out.dispose();
      });
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        const out = run();
        await peer.finish();
        times.push(performance.now() - start);
        out.dispose();
      }
      return { ms: median(times), output };
    },
  };
  return peer;
}
