// npm run serve: dist/browser on localhost with the right types, nothing outside it, and a
// one-line error for a bad port.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer } from '../support/tools.js';

describe.skipIf(!existsSync('dist/browser/index.html'))('npm run serve', () => {
  it('serves the training page and the bundle on localhost, and nothing outside dist/browser', async () => {
    const { url, server } = await startServer(process.execPath, ['dist/serve.js', '--port', '0']);
    try {
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await index.text()).toMatch(/importmap/);
      const bundle = await fetch(`${url}webgpu-transfer.js`);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
      // A raw request line (fetch would normalize the dots away): the dots resolve inside the folder.
      const port = Number(new URL(url).port);
      const outside = await new Promise<number>((resolve, reject) =>
        get({ host: '127.0.0.1', port, path: '/../../package.json' }, (r) => resolve(r.statusCode!)).on(
          'error',
          reject,
        ),
      );
      expect(outside).toBe(404);
      expect((await fetch(`${url}missing.js`)).status).toBe(404);
    } finally {
      server.kill();
    }
  });

  it('refuses a bad port in one line', () => {
    const r = spawnSync(process.execPath, ['dist/serve.js', '--port', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --port: 'x' is not a valid value (an integer >= 0)\n");
    const high = spawnSync(process.execPath, ['dist/serve.js', '--port', '70000'], { encoding: 'utf8' });
    expect(high.status).toBe(2);
    expect(high.stderr).toBe('error: --port 70000 is not a port number\n');
  });
});
