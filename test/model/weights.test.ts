// Weight files: the .pth reader against a checkpoint written by the real torch.save
// (tools/make-pth-fixture.py), safetensors round trips, strict refusal of foreign input,
// architecture validation, and the converter CLI (clear errors, nothing left behind).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { plan, resnetSpec } from '../../src/model/architecture.js';
import { syntheticWeights } from '../../src/model/synthetic.js';
import { validateWeights } from '../../src/model/weights.js';
import { toFloat32 } from '../../src/weights/host-tensor.js';
import { halfToFloat } from '../../src/util/half.js';
import { readPth } from '../../src/weights/pth.js';
import { parseSafetensors, serializeSafetensors } from '../../src/weights/safetensors.js';

const pth = new Uint8Array(readFileSync('test/fixtures/tiny-checkpoint.pth'));
const legacyPth = new Uint8Array(readFileSync('test/fixtures/tiny-checkpoint-legacy.pth'));
const expected = JSON.parse(readFileSync('test/fixtures/tiny-checkpoint.json', 'utf8')) as Record<
  string,
  { dtype: string; shape: number[]; values: number[] }
>;

describe('.pth reader', () => {
  it.each([
    ['zip format (torch >= 1.6)', pth],
    ["legacy format (torch < 1.6, the article's 0.4.1)", legacyPth],
  ])('reads every tensor of a real torch.save checkpoint exactly: %s', (_, bytes) => {
    const tensors = readPth(bytes, 'tiny.pth');
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      expect(t.dtype, name).toBe(want.dtype);
      expect(t.shape, name).toEqual(want.shape);
      const got = t.dtype === 'int64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(toFloat32(t));
      const values = t.dtype === 'float64' ? Array.from(t.data as Float64Array) : got;
      expect(values, name).toEqual(
        want.values.map((v) => (t.dtype === 'float64' || t.dtype === 'int64' ? v : Math.fround(v))),
      );
    }
  });

  it('half floats convert exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
  });

  it('refuses truncated, foreign and code-carrying files with a message naming the file', () => {
    expect(() => readPth(pth.subarray(0, pth.length - 100), 'cut.pth')).toThrow(/^cut\.pth: /);
    expect(() => readPth(legacyPth.subarray(0, legacyPth.length - 100), 'cut-legacy.pth')).toThrow(
      /^cut-legacy\.pth: storage \d+ declares \d+ elements, past the end of the file \(truncated\?\)$/,
    );
    expect(() => readPth(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]), 'img.pth')).toThrow(
      'img.pth: not a PyTorch checkpoint (neither a zip archive nor the legacy torch.save format)',
    );
    const evil = new Uint8Array([
      0x80,
      0x02,
      ...new TextEncoder().encode('cposix\nsystem\n'),
      0x58,
      2,
      0,
      0,
      0,
      0x6c,
      0x73,
      0x85,
      0x52,
      0x2e,
    ]);
    const archive = zipSync({ 'x/data.pkl': evil, 'x/version': new TextEncoder().encode('3\n') });
    expect(() => readPth(archive, 'evil.pth')).toThrow(
      'evil.pth: refusing pickled global posix.system: not part of a state_dict',
    );
    expect(() => readPth(zipSync({ 'readme.txt': new Uint8Array(3) }), 'other.zip')).toThrow(
      'other.zip: zip archive has no <archive>/data.pkl',
    );
  });
});

describe('safetensors and architecture validation', () => {
  const spec = resnetSpec('resnet18');
  const weights = syntheticWeights(plan(spec), 3, false);

  it('round-trips tensors and metadata', () => {
    const bytes = serializeSafetensors(weights, { architecture: 'resnet18' });
    const back = parseSafetensors(bytes, 'r18.safetensors');
    expect(back.metadata).toEqual({ architecture: 'resnet18' });
    expect([...back.tensors.keys()]).toEqual([...weights.keys()]);
    const name = 'layer3.1.conv2.weight';
    expect(back.tensors.get(name)!.data).toEqual(weights.get(name)!.data);
    expect(() => parseSafetensors(bytes.subarray(0, bytes.length - 1), 'cut.safetensors')).toThrow(
      /^cut\.safetensors: truncated: tensor '.*' ends at byte/,
    );
    expect(() => parseSafetensors(new Uint8Array(16), 'zero.safetensors')).toThrow(
      'zero.safetensors: not a safetensors file or truncated',
    );
  });

  it('names what is missing, misshapen or unexpected', () => {
    expect(validateWeights(weights, plan(spec), 'ok')).toEqual({ classifier: false });
    const broken = new Map(weights);
    broken.delete('layer2.0.downsample.1.running_var');
    broken.set('layer1.0.conv1.weight', { dtype: 'float32', shape: [64, 64, 1, 1], data: new Float32Array(4096) });
    broken.set('extra.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    expect(() => validateWeights(broken, plan(spec), 'w.safetensors')).toThrow(
      'w.safetensors: not resnet18 weights: missing 1 tensor: layer2.0.downsample.1.running_var; ' +
        'layer1.0.conv1.weight has shape [64,64,1,1], expected [64,64,3,3]; 1 unexpected tensor: extra.weight',
    );
    expect(() => validateWeights(weights, plan(resnetSpec('resnet50')), 'r18')).toThrow(
      /^r18: not resnet50 weights: missing \d+ tensors/,
    );
  });
});

describe('node dist/convert-weights.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convert-'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['dist/convert-weights.js', ...args], { encoding: 'utf8' });

  it.skipIf(!existsSync('dist/convert-weights.js'))(
    'converts ResNet-18 weights, and refuses bad input leaving nothing',
    () => {
      const input = join(dir, 'r18-in.safetensors');
      writeFileSync(input, serializeSafetensors(syntheticWeights(plan(resnetSpec('resnet18')), 5, true)));
      const out = join(dir, 'r18.safetensors');
      const ok = run(input, out);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/resnet18, 102 tensors, with the ImageNet classifier/);
      const converted = parseSafetensors(new Uint8Array(readFileSync(out)), out);
      expect(converted.metadata.architecture).toBe('resnet18');
      expect(converted.metadata.source_sha256).toMatch(/^[0-9a-f]{64}$/);

      const cut = join(dir, 'cut.pth');
      writeFileSync(cut, pth.subarray(0, 2000));
      const bad = run(cut, join(dir, 'never.safetensors'));
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/^error: .*cut\.pth: /);
      const foreign = run('test/fixtures/tiny-checkpoint.pth', join(dir, 'never.safetensors'));
      expect(foreign.status).toBe(2);
      expect(foreign.stderr).toMatch(
        /tiny-checkpoint\.pth: tensor 'ints' has dtype int64; only float weights are expected/,
      );
      expect(readdirSync(dir).sort()).toEqual(['cut.pth', 'r18-in.safetensors', 'r18.safetensors']);
    },
  );
});

describe('node dist/fetch-weights.js', () => {
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/fetch-weights.js', ...args]);
      let stdout = '',
        stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it.skipIf(!existsSync('dist/fetch-weights.js'))(
    "downloads, checks the sha256 prefix of the file name (or Keras's md5), converts; leaves nothing on failure",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fetch-'));
      const body = new Uint8Array(readFileSync('test/fixtures/tiny-checkpoint.pth'));
      const digest = createHash('sha256').update(body).digest('hex');
      const h5 = new Uint8Array(readFileSync('test/fixtures/keras-resnet50.h5'));
      const kerasMd5 = createHash('md5').update(h5).digest('hex');
      const server = createServer((req, res) => {
        if (req.url?.endsWith('.pth')) res.end(body);
        else if (req.url?.endsWith('.h5')) res.end(h5);
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const out = join(dir, 'resnet50.safetensors');
      try {
        const corrupt = await run(['--url', `${base}/resnet50-deadbeef.pth`, '--out', out]);
        expect(corrupt.status).toBe(2);
        expect(corrupt.stderr).toMatch(
          new RegExp(
            'resnet50-deadbeef\\.pth: sha256 [0-9a-f]{12}\\.\\.\\. does not start with deadbeef from its name; ' +
              'the download is corrupt \\(removed\\)',
          ),
        );
        // Right hash, wrong contents: downloaded and kept, but no weights are written.
        const wrong = await run(['--url', `${base}/resnet50-${digest.slice(0, 8)}.pth`, '--out', out]);
        expect(wrong.status).toBe(2);
        expect(wrong.stderr).toMatch(/only float weights are expected/);
        const missing = await run(['--url', `${base}/nothing`, '--out', out]);
        expect(missing.stderr).toMatch(/HTTP 404/);
        expect(readdirSync(dir)).toEqual([`resnet50-${digest.slice(0, 8)}.pth`]);
        // Keras: the published md5 is checked; a --url needs its own.
        const keras = join(dir, 'keras.safetensors');
        const kerasUrl = `${base}/resnet50_weights_tf_dim_ordering_tf_kernels.h5`;
        const noMd5 = await run(['--source', 'keras', '--url', kerasUrl, '--out', keras]);
        expect(noMd5.stderr).toMatch(/--url with --source keras needs --md5 HEX/);
        const badMd5 = await run(['--source', 'keras', '--url', kerasUrl, '--md5', '0'.repeat(32), '--out', keras]);
        expect(badMd5.status).toBe(2);
        expect(badMd5.stderr).toMatch(
          /kernels\.h5: md5 [0-9a-f]{32} is not the published 0{32}; the download is corrupt \(removed\)/,
        );
        const good = await run(['--source', 'keras', '--url', kerasUrl, '--md5', kerasMd5, '--out', keras]);
        expect(good.status, good.stderr).toBe(0);
        expect(good.stdout).toMatch(/keras\.safetensors: keras_resnet50, 320 tensors \(md5 of .* checked\)/);
        const converted = parseSafetensors(new Uint8Array(readFileSync(keras)), keras);
        expect(converted.metadata).toMatchObject({ architecture: 'keras_resnet50', md5: kerasMd5 });
        expect(converted.metadata.preprocessing).toMatch(/^caffe: /);
        const offline = await run(['--url', 'http://no-such-host.invalid/resnet50-0676ba61.pth', '--out', out]);
        expect(offline.status).toBe(2);
        expect(offline.stderr).toMatch(/^error: cannot download .* no network\?/);
      } finally {
        server.close();
      }
    },
  );
});
