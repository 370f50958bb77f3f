// node dist/selfcheck.js on this adapter: every check passes with the committed fixtures, a
// golden that disagrees fails exactly its own check (exit 1, FAIL line, JSON still written),
// and bad arguments or a missing fixture end in one line with exit 2.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_ENV } from '../support/tools.js';

const ready = existsSync('dist/selfcheck.js');
const selfcheck = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/selfcheck.js', ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });

describe.skipIf(!ready)('node dist/selfcheck.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfcheck-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every check but the one whose golden was altered', () => {
    for (const f of ['resnet50-golden.safetensors', 'head-golden.safetensors', 'pytorch-recipe-golden.safetensors'])
      copyFileSync(join('test/fixtures', f), join(dir, f));
    const adam = JSON.parse(readFileSync('test/fixtures/adam-golden.json', 'utf8'));
    adam.cases[1].after[2][0] += 1e-3; // one value of one step of the second case
    writeFileSync(join(dir, 'adam-golden.json'), JSON.stringify(adam));
    const r = selfcheck('--fixtures', dir, '--json', join(dir, 'out.json'));
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: 1 of \d+ checks failed/);
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failed).toEqual([expect.stringMatching(/^FAIL {2}Adam against torch\.optim\.Adam \(lr0\.01/)]);
    expect(r.stdout).toMatch(/^ok {4}ResNet-50 against torchvision, batch 4, split 3\+1: logits: /m);
    const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    expect(json.checks.length).toBeGreaterThanOrEqual(30);
    expect(json.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { name: string }) => c.name)).toEqual(
      [adam.cases[1].name].map((n) => `Adam against torch.optim.Adam (${n})`),
    );
    // Every variant the adapter runs is covered, tiled with both tile sizes.
    for (const name of [
      'gemm tiled 128x128 tiles',
      'conv2d tiled 128x128 tiles layer3 3x3',
      'conv2d tiled stem 7x7/2',
      'conv2d register layer3 downsample 1x1/2',
      'conv3x3 Winograd F(4x4, 3x3)',
      'batchnorm in training mode',
      'pytorch recipe: worst running statistics',
    ]) {
      expect(
        json.checks.some((c: { name: string }) => c.name.startsWith(name)),
        name,
      ).toBe(true);
    }
  }, 300_000);

  it('names a missing fixture, and refuses a bad --kernels-for, in one line with exit 2', () => {
    const missing = selfcheck('--fixtures', join(dir, 'nowhere'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: .*nowhere\/resnet50-golden\.safetensors: no such file$/,
    );
    const bad = selfcheck('--kernels-for', 'tpu');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --kernels-for: 'tpu' is not one of gpu, cpu$/m);
  });
});
