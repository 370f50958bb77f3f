// Worker thread: decodes the image files it is sent and posts the pixels back (transferred).
// A file that is not a decodable image comes back as `bad`; any other error (a bug, memory)
// comes back as `failure`, and decodeAll rethrows it, as the in-thread path does.
import { parentPort } from 'node:worker_threads';
import { type WorkerReply, decodeOrBad } from './decode-all.node.js';

parentPort!.on('message', (job: { index: number; file: string; maxPixels?: number }) => {
  let reply: WorkerReply;
  try {
    const result = decodeOrBad(job.file, job.maxPixels);
    if ('bad' in result) reply = { index: job.index, bad: result.bad };
    else {
      const { width, height, data } = result.image;
      reply = { index: job.index, width, height, data };
    }
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    reply = { index: job.index, failure: `${job.file}: ${error.message}`, stack: error.stack };
  }
  parentPort!.postMessage(reply, 'data' in reply ? [reply.data.buffer as ArrayBuffer] : []);
});
