// TensorFlow.js 4.22's WebGPU backend as the benchmark peer, on the same dawn.node instance.
// The backend reads navigator.gpu and the WebGPU globals when it is imported, so both are
// set first and the TF.js modules are imported dynamically.

export interface TfPeer {
  name: string;
  tf: typeof import('@tensorflow/tfjs-core');
  /** Submits TF.js's pending commands and waits for the GPU to finish them. */
  finish(): Promise<void>;
  dispose(): void;
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
  return {
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
  };
}
