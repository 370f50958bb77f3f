// A folder (dist/browser by default) served on an ephemeral localhost port: a secure context, as
// WebGPU requires. The page benchmarks and the page tests drive headless Chromium against it.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
};

export async function serveDirectory(dir = 'dist/browser'): Promise<{ origin: string; close: () => void }> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url!, 'http://localhost');
    const path = join(root, pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1)));
    if (!path.startsWith(root + sep) || !existsSync(path)) return void response.writeHead(404).end();
    response
      .writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' })
      .end(readFileSync(path));
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}
