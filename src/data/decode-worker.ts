// Worker thread: decodes the image files it is sent and posts the pixels back (transferred).
import { parentPort } from 'node:worker_threads';
import { readImage } from '../image/files.js';

parentPort!.on('message', (job: { index: number; file: string }) => {
  try {
    const img = readImage(job.file);
    parentPort!.postMessage({ index: job.index, width: img.width, height: img.height, data: img.data }, [img.data.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ index: job.index, error: (e as Error).message });
  }
});
