// Progress lines (src/train/progress.node.ts): a redrawn bar on a terminal; elsewhere a plain
// line every few seconds and one at the end, so a long phase is never silent; none when quiet.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/train/progress.node.js';

const sink = (isTTY: boolean) => {
  const lines: string[] = [];
  return { lines, stream: { isTTY, columns: 100, write: (s: string) => lines.push(s) > 0 } };
};

describe('progress', () => {
  it('writes plain lines at its interval and at the end outside a terminal', async () => {
    const { lines, stream } = sink(false);
    const p = new Progress('epoch 1', 4, { stream, plainLineSeconds: 0.02 });
    p.update(1);
    expect(lines).toEqual([]); // not before the interval
    await new Promise((r) => setTimeout(r, 30));
    p.update(2);
    p.update(3); // within the interval of the last line
    p.finish();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1: 2\/4 images \([\d.]+ images\/s, ETA \d+:\d\d\)\n$/);
    expect(lines[1]).toMatch(/^epoch 1: 3\/4 images in [\d.]+ s \([\d.]+ images\/s\)\n$/);
  });

  it('redraws one line on a terminal, and writes nothing when quiet', () => {
    const tty = sink(true);
    const bar = new Progress('decode', 2, { stream: tty.stream });
    bar.update(2);
    bar.finish();
    expect(tty.lines[0]).toMatch(/^\rdecode \[#+\] 2\/2 /);
    expect(tty.lines[1]).toMatch(/^\rdecode: 2\/2 images in /);
    const quiet = sink(false);
    const q = new Progress('decode', 2, { stream: quiet.stream, quiet: true, plainLineSeconds: 0 });
    q.update(1);
    q.finish();
    expect(quiet.lines).toEqual([]);
  });
});
