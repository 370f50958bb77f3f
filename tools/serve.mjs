// npm run serve [-- --port N] [-- --dir DIR]: serves dist/browser (the training page, the bench page, the
// library bundle) on http://localhost:N, a secure context, which WebGPU requires; localhost only.
// Any web page the user visits can send requests here: a request that cannot be decoded gets
// 400, only GET and HEAD are answered, and nothing outside the folder is served, links
// included (paths are compared after resolving every link).
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, dir: { type: 'string', default: 'dist/browser' } },
});
let root = resolve(values.dir);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`error: --port ${values.port} is not a port number`);
  process.exit(2);
}
try {
  statSync(join(root, 'index.html'));
  root = realpathSync(root);
} catch {
  console.error(`error: ${root}/index.html is missing (run npm run build first)`);
  process.exit(2);
}
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

/** The regular file inside the root that a request path names, or why not (an HTTP status). */
function fileFor(requestUrl) {
  let path;
  try {
    path = decodeURIComponent(new URL(requestUrl ?? '/', 'http://localhost').pathname);
  } catch {
    return { status: 400, why: 'bad request' };
  }
  if (path.includes('\0')) return { status: 400, why: 'bad request' };
  const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  const inside = (p) => p === root || p.startsWith(root + sep);
  if (!inside(file)) return { status: 403, why: 'forbidden' };
  try {
    const real = realpathSync(file);
    if (!inside(real)) return { status: 403, why: 'forbidden' };
    const stat = statSync(real);
    if (!stat.isFile()) return { status: 404, why: `not found: ${path}` };
    return { file: real, size: stat.size };
  } catch {
    return { status: 404, why: `not found: ${path}` };
  }
}

const server = createServer((request, response) => {
  const fail = (status, why) => {
    if (!response.headersSent) response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(why);
  };
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'method not allowed');
    const found = fileFor(request.url);
    if (!found.file) return fail(found.status, found.why);
    response.writeHead(200, {
      'content-type': TYPES[extname(found.file)] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') return response.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  } catch {
    fail(500, 'internal error');
  }
});
server.on('clientError', (_, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  else socket.destroy();
});
server.on('error', (e) => {
  console.error(`error: cannot serve on port ${port} (${e.code ?? e.message})`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address();
  console.log(`serving ${root} at http://localhost:${bound}/ (the training page; bench.html for the kernel benchmark)`);
});
