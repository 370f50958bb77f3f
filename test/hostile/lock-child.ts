// One of many writers started at once on a model folder (test/hostile/model-writers.test.ts):
// takes the lock, logs its turn around some file-system work, releases; or reports the refusal.
import { appendFileSync } from 'node:fs';
import { lockModelFolder } from '../../src/train/model-files.node.js';

const [dir, log] = process.argv.slice(2);
try {
  const release = lockModelFolder(dir);
  appendFileSync(log, `enter ${process.pid}\n`);
  // Work while holding it: another holder now would show between this writer's lines.
  for (let i = 0; i < 10; i++) appendFileSync(log, `work ${process.pid}\n`);
  appendFileSync(log, `exit ${process.pid}\n`);
  release();
  process.stdout.write('took\n');
} catch (e) {
  process.stdout.write(`refused: ${(e as Error).message}\n`);
}
