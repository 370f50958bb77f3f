// Lines of at most 120 characters in the sources ESLint does not read: shaders, shell and
// Python scripts. Prints each long line as FILE:LINE and exits 1 if there is one.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT = 120;
const FOLDERS = ['shaders', 'tools', 'bench', '.ci'];
const SOURCE = /\.(wgsl|py|sh)$|^run$/;

const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (SOURCE.test(entry.name)) files.push(path);
  }
};
FOLDERS.forEach(walk);
let long = 0;
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > LIMIT) {
        console.log(`${file}:${i + 1}: ${line.length} characters (at most ${LIMIT})`);
        long++;
      }
    });
}
if (long) process.exit(1);
