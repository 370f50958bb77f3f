// webgpu-transfer serve [--port N] [--dir DIR]: serves the training page, the bench page and the
// library bundle (dist/browser, beside this script, installed or built) on
// http://localhost:N, a secure context, which WebGPU requires; localhost only. Any web page the
// user visits can send requests here: a request that cannot be decoded gets 400, only GET and
// HEAD are answered, and nothing outside the folder is served, links included (paths are
// compared after resolving every link).
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError, parseCommand } from './args.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/serve.js',
  summary:
    'Serves the training page (and the bench page and the library bundle) on http://localhost:PORT/, a secure ' +
    'context as WebGPU needs; localhost only, nothing outside the folder. Ctrl-C stops it.',
  options: {
    port: { type: 'integer', min: 0, value: 'N', default: 8080, description: 'the port (0: any free one)' },
    dir: {
      type: 'string',
      value: 'DIR',
      description: 'the folder to serve (default: the browser/ folder beside this script, dist/browser)',
    },
  },
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wasm': 'application/wasm',
};

type Found = { file: string; size: number } | { status: number; why: string };

/** The regular file inside `root` that a request path names, or why not (an HTTP status). */
function fileFor(root: string, requestUrl: string | undefined): Found {
  let path: string;
  try {
    path = decodeURIComponent(new URL(requestUrl ?? '/', 'http://localhost').pathname);
  } catch {
    return { status: 400, why: 'bad request' };
  }
  if (path.includes('\0')) return { status: 400, why: 'bad request' };
  const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  const inside = (p: string) => p === root || p.startsWith(root + sep);
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

function respond(root: string, request: IncomingMessage, response: ServerResponse): void {
  const fail = (status: number, why: string) => {
    if (!response.headersSent) response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(why);
  };
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'method not allowed');
    const found = fileFor(root, request.url);
    if (!('file' in found)) return fail(found.status, found.why);
    response.writeHead(200, {
      'content-type': TYPES[extname(found.file)] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') return void response.end();
    const stream = createReadStream(found.file);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  } catch {
    fail(500, 'internal error');
  }
}

runCli(async () => {
  const { values: v } = parseCommand(COMMAND);
  if (v.port > 65535) throw new UsageError(`--port ${v.port} is not a port number`);
  let root = resolve(v.dir ?? fileURLToPath(new URL('./browser/', import.meta.url)));
  try {
    statSync(join(root, 'index.html'));
    root = realpathSync(root);
  } catch {
    throw new UsageError(`${root}/index.html is missing (run npm run build first)`);
  }
  const server = createServer((request, response) => respond(root, request, response));
  server.on('clientError', (_, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    else socket.destroy();
  });
  // Serves until Ctrl-C or SIGTERM (runCli's handlers end the process).
  await new Promise<never>((_, reject) => {
    server.on('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve on port ${v.port} (${e.code ?? e.message})`)),
    );
    server.listen(v.port, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      console.log(
        `serving ${root} at http://localhost:${port}/ (the training page; bench.html for the kernel benchmark)`,
      );
    });
  });
});
