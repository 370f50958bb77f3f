// npm run serve against what any web page the user visits could send to localhost: requests
// that cannot be decoded, malformed request lines, odd methods, and links inside the served
// folder that lead out of it. The server answers each and keeps serving.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/util/random.js';
import { SEED } from '../support/helpers.js';
import { startServer } from '../support/tools.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-serve-'));
const site = join(root, 'site');
mkdirSync(join(site, 'sub'), { recursive: true });
writeFileSync(join(site, 'index.html'), '<!doctype html><title>page</title>');
writeFileSync(join(site, 'sub', 'a.js'), 'export const a = 1;\n');
writeFileSync(join(root, 'secret.txt'), 'outside the served folder');
symlinkSync(join(root, 'secret.txt'), join(site, 'leak.txt'));
symlinkSync(root, join(site, 'up'));
symlinkSync(join(site, 'sub', 'a.js'), join(site, 'inside.js'));

let server: ChildProcess | null = null;
afterAll(() => {
  server?.kill();
  rmSync(root, { recursive: true, force: true });
});

async function start(): Promise<number> {
  const started = await startServer(process.execPath, ['dist/serve.js', '--port', '0', '--dir', site]);
  server = started.server;
  return started.port;
}

/** One request with a raw path (no normalization): its status, or 0 where the connection dropped. */
function get(port: number, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Raw bytes as a request; resolves with the first line of the answer ('' where none came). */
function raw(port: number, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('error', () => resolve(''));
  });
}

describe('npm run serve under hostile requests', () => {
  it('survives undecodable paths, random requests and raw garbage, and serves nothing outside its folder', async () => {
    const port = await start();
    expect(await get(port, '/%E0%A4%A')).toBe(400);
    expect(await get(port, '/%00')).toBe(400);
    expect(await get(port, '/')).toBe(200);
    // Links inside the folder that lead out of it, and a link that stays inside.
    expect(await get(port, '/leak.txt')).toBe(403);
    expect(await get(port, '/up/secret.txt')).toBe(403);
    expect(await get(port, '/inside.js')).toBe(200);
    expect(await get(port, '/', 'POST')).toBe(405);
    expect(await get(port, '/', 'HEAD')).toBe(200);
    const random = seededRandom(SEED);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
    const pieces = [
      '%',
      '%E0',
      '%A4',
      '%C0%AF',
      '%2e%2e',
      '..',
      '/',
      '\\',
      '%00',
      '%ff',
      '~',
      'index.html',
      'sub',
      '?x=%',
      '#',
    ];
    const methods = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'];
    for (let batch = 0; batch < 40; batch++) {
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        const n = (batch * 50 + i) % 3;
        if (n === 0) {
          const path = '/' + Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(pieces)).join('');
          requests.push(get(port, path, pick(methods)));
        } else if (n === 1) {
          const garbage = Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256));
          requests.push(raw(port, garbage));
        } else {
          const line = `${pick(methods)} ${pick(['/', '*', '//', '/%', 'http://x/'])}${pick(pieces)} HTTP/${pick(['1.1', '1.0', '9.9', 'x'])}\r\n`;
          requests.push(raw(port, new TextEncoder().encode(`${line}Host: ${pick(['a', '', '%'])}\r\n\r\n`)));
        }
      }
      await Promise.all(requests);
    }
    // Still answering, and still only from its folder.
    expect(server!.exitCode).toBe(null);
    expect(await get(port, '/')).toBe(200);
    expect(await get(port, '/sub/a.js')).toBe(200);
    expect(await get(port, '/../secret.txt')).toBe(404);
  }, 120_000);
});
