// Settings that exceed what the adapter can hold end in one line, before any work: a head too
// wide for a storage binding (--hidden), and any buffer over the binding limit at dispatch.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineWgsl } from '../../src/gpu/shader.js';
import { useGpu } from '../support/helpers.js';
import { TOOL_ENV } from '../support/tools.js';

const ctx = useGpu();
const root = mkdtempSync(join(tmpdir(), 'hostile-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('adapter limits', () => {
  it('a buffer over the storage binding limit is refused at dispatch, naming kernel and buffer', async () => {
    const { gpu } = ctx;
    const limit = gpu.limits.maxStorageBufferBindingSize;
    const code = inlineWgsl(
      '@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n' +
        '@compute @workgroup_size(1) fn main() { y[0] = 1.0; }',
    );
    const pipeline = await gpu.pipeline({ kernel: 'big', code, entryPoint: 'main' });
    const big = gpu.tensor([limit / 4 + 1], 'f32', 'too-big');
    expect(() => gpu.dispatch({ kernel: 'big', pipeline, buffers: [big], workgroups: [1] })).toThrow(
      `big: buffer too-big of ${limit + 4} bytes is over this adapter's storage binding limit (${limit})`,
    );
    big.release();
  });

  it('train.js --hidden too wide for a binding ends in one line, exit 2, before training', () => {
    for (const split of ['train', 'validation']) {
      for (const c of ['alien', 'predator']) {
        mkdirSync(join(root, 'data', split, c), { recursive: true });
        copyFileSync('test/fixtures/jpeg/baseline-420.jpg', join(root, 'data', split, c, '0.jpg'));
      }
    }
    const r = spawnSync(
      process.execPath,
      [
        'dist/train.js',
        '--data',
        join(root, 'data'),
        '--weights',
        'random:1',
        '--hidden',
        '100000',
        '--out',
        join(root, 'm'),
      ],
      { encoding: 'utf8', env: TOOL_ENV },
    );
    expect(r.status).toBe(2);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('Warning:') && !l.startsWith('webgpu:'));
    expect(lines.at(-1)).toMatch(
      new RegExp(
        "^error: --hidden 100000: the head's first layer would take 781 MiB, " +
          "over this adapter's storage binding limit of \\d+ MiB$",
      ),
    );
    expect(r.stdout).not.toMatch(/epoch/);
  });
});
