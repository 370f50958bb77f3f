import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { decodeImage } from '../src/image/decode.js';
import { preprocess } from '../src/image/preprocess.js';
import { parseSafetensors } from '../src/weights/safetensors.js';
it('full', () => {
  const g = parseSafetensors(new Uint8Array(readFileSync('.scratch/preprocess-full.safetensors')), 'x');
  const files = g.metadata.files.split('\n');
  const all = g.tensors.get('resized')!.data as Uint8Array;
  const rows: string[] = [];
  files.forEach((f, i) => {
    const img = decodeImage(new Uint8Array(readFileSync(join('../shared/datasets/alien-vs-predator/validation', f))), f);
    const { resized } = preprocess(img);
    let worst = 0, hist = [0, 0, 0, 0];
    for (let p = 0; p < 150528; p++) { const d = Math.abs(resized.data[p] - all[i * 150528 + p]); worst = Math.max(worst, d); hist[Math.min(d, 3)]++; }
    rows.push(`${f} ${img.width}x${img.height} worst ${worst} hist ${hist.join(',')}`);
  });
  console.log(rows.filter((r) => !/worst [01] /.test(r)).join('\n'));
  console.log(rows.slice(0, 5).join('\n'));
});
