// Output on file systems that refuse writes, on small tmpfs mounts made for the test (skipped
// where this machine does not allow mounting): a read-only --out or --json fails before any
// work, and a full disk fails naming the real file, leaving no partial files or empty folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET, tinyDataset as makeTinyDataset } from '../support/saved-model.js';
import { TOOL_ENV } from '../support/tools.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-fs-'));
const mounts: string[] = [];
const sh = (...args: string[]) => spawnSync(args[0], args.slice(1), { encoding: 'utf8' });

/** A tmpfs of `size` at a new folder, optionally read-only; null where mounting is not allowed. */
function mount(size: string, readOnly = false): string | null {
  const at = join(root, `mnt${mounts.length}`);
  mkdirSync(at);
  if (sh('mount', '-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', at).status !== 0) return null;
  mounts.push(at);
  return at;
}
const canMount = (() => {
  const at = mount('64k');
  return at !== null;
})();
afterAll(() => {
  for (const at of mounts.reverse()) sh('umount', at);
  rmSync(root, { recursive: true, force: true });
});

const train = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/train.js', '--weights', 'random:1', '--batch-size', '4', ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });
const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);

function tinyDataset(): string {
  return makeTinyDataset(join(root, 'data'));
}

describe.skipIf(!canMount || !existsSync('dist/train.js') || !existsSync(DATASET))('output file systems', () => {
  it('a read-only --out or --json fails before any work, in one line', () => {
    const ro = mount('64k', true)!;
    const data = tinyDataset();
    const out = train('--data', data, '--out', join(ro, 'model'));
    expect(out.status).toBe(2);
    expect(lastLine(out)).toBe(`error: ${join(ro, 'model')}: cannot create the model folder (read-only file system)`);
    expect(out.stderr).not.toMatch(/decode:/);
    const json = train('--data', data, '--out', join(root, 'ok-model'), '--json', join(ro, 'log.json'));
    expect(json.status).toBe(2);
    expect(lastLine(json)).toBe(`error: ${join(ro, 'log.json')}: cannot write (read-only file system)`);
    expect(existsSync(join(root, 'ok-model'))).toBe(false);
  });

  it('a full disk fails naming the real file and leaves nothing behind', () => {
    const small = mount('256k')!;
    const data = tinyDataset();
    const r = train('--data', data, '--epochs', '1', '--out', join(small, 'model'));
    expect(r.status).toBe(2);
    expect(lastLine(r)).toBe(
      `error: ${join(small, 'model', 'head.safetensors')}: cannot write (no space left on the device)`,
    );
    expect(readdirSync(small)).toEqual([]);
  }, 300_000);
});
