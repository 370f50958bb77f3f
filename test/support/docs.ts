// The scripts and files docs/ prints, read by the tests that run them, so the two cannot drift.
import { readFileSync } from 'node:fs';

/** Where the cluster files are printed. */
export const CLUSTER_DOCS = 'docs/cluster.md';

/**
 * A block of a docs page: the indented lines from one that is `first` to the next blank line;
 * where several start so, the one holding `holding`.
 */
export function docsBlock(first: string, holding = '', page = CLUSTER_DOCS): string {
  const lines = readFileSync(page, 'utf8').split('\n');
  for (let start = 0; start < lines.length; start++) {
    if (lines[start].trim() !== first) continue;
    const indent = lines[start].length - lines[start].trimStart().length;
    const end = lines.findIndex((l, i) => i > start && l.trim() === '');
    const block = lines
      .slice(start, end < 0 ? lines.length : end)
      .map((l) => l.slice(indent))
      .join('\n');
    if (block.includes(holding)) return block;
  }
  throw new Error(`${page} has no block starting ${first}${holding ? ` with ${holding}` : ''}`);
}
