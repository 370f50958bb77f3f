// Inputs that used to end in words no user can act on: each now gets a message that says
// what the file is and what is wrong with it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args.js';
import { decodeImage } from '../../src/image/decode.node.js';
import { parseWeightFile } from '../../src/weights/parse.js';
import { WeightFileError } from '../../src/weights/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pth = (pickle: number[]) => zipSync({ 'archive/data.pkl': new Uint8Array(pickle) }, { level: 0 });
const text = (s: string) => [...new TextEncoder().encode(s)];

describe('messages a user can act on', () => {
  it('a negative number is judged by the option\'s range, not called "ambiguous"', () => {
    const spec = {
      command: 'node dist/x.js',
      summary: 'x',
      options: {
        lr: { type: 'number', above: 0, default: 1e-3, description: 'learning rate' },
        shift: { type: 'number', default: 0, description: 'any number' },
        name: { type: 'string', description: 'a name' },
      },
    } as const;
    expect(() => parseCommand(spec, ['--lr', '-1'])).toThrow("--lr: '-1' is not a valid value (a number > 0)");
    expect(parseCommand(spec, ['--shift', '-2.5']).values.shift).toBe(-2.5);
    expect(parseCommand(spec, ['--shift', '-.5']).values.shift).toBe(-0.5);
    // A value that is not a number still cannot start with a dash: that is an option.
    expect(() => parseCommand(spec, ['--name', '-x'])).toThrow(
      "--name: its value starts with '-' (write --name=VALUE if it is one) (see --help)",
    );
  });

  it('a damaged legacy (pre-1.6) torch.save file is called that, not "not a safetensors file"', () => {
    const legacy = new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
    expect(() => parseWeightFile(legacy, 'old.pth', '')).toThrow('old.pth: legacy torch.save header is damaged');
  });

  it('a storage record whose key is not text says so', () => {
    // {'w': persistent_load(('storage', FloatStorage, {}, 'cpu', 1))}
    const pickle = [0x80, 0x02, 0x7d, 0x58, 1, 0, 0, 0, ...text('w'), 0x28, 0x58, 7, 0, 0, 0, ...text('storage')];
    pickle.push(0x63, ...text('torch\nFloatStorage\n'), 0x7d, 0x58, 3, 0, 0, 0, ...text('cpu'), 0x4b, 1, 0x74, 0x51);
    pickle.push(0x73, 0x2e);
    expect(() => parseWeightFile(pth(pickle), 'odd.pth', '')).toThrow(
      'odd.pth: malformed storage record (its key is not text)',
    );
  });

  it('a deeply nested pickle ends in one line', () => {
    const depth = 200_000;
    const pickle = [0x80, 0x02, ...new Array(depth).fill(0x5d), ...new Array(depth - 1).fill(0x61), 0x2e];
    expect(() => parseWeightFile(pth(pickle), 'deep.pth', '')).toThrow(WeightFileError);
    expect(() => parseWeightFile(pth(pickle), 'deep.pth', '')).toThrow(/^deep\.pth: [^\n]+$/);
  });

  it('a PNG with a damaged chunk names the chunk and its CRC', () => {
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(200);
    const bytes = new Uint8Array(PNG.sync.write(png));
    const idat = Buffer.from(bytes).indexOf('IDAT');
    bytes[idat + 6] ^= 0xff;
    expect(() => decodeImage(bytes, 'damaged.png')).toThrow(
      'damaged.png: corrupt or unsupported PNG (chunk IDAT fails its CRC check (damaged file))',
    );
  });

  it('a download that breaks off says how far it got and leaves nothing', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(4 * 2 ** 20) });
      res.write(new Uint8Array(64 * 1024), () => res.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/resnet50-0676ba61.pth`;
    try {
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [
          'dist/fetch-weights.js',
          '--url',
          url,
          '--out',
          join(dir, 'w.safetensors'),
        ]);
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => resolve({ status, stderr }));
      });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(
          '^error: download of http://127\\.0\\.0\\.1:\\d+/resnet50-0676ba61\\.pth ' +
            'broke off after [\\d.]+ of 4\\.0 MiB \\(.+\\); run it again$',
        ),
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      server.close();
    }
  });
});
