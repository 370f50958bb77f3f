// Running this project's built tools (dist/*.js) from the Node tests: the environment dawn.node
// needs, one tool run to its end, and the page server started until the test stops it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** The tests' environment with XDG_RUNTIME_DIR set, which dawn.node needs. */
export const TOOL_ENV = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

/** `node dist/SCRIPT.js ARGS...`, run to its end. */
export function runTool(script: string, ...args: string[]) {
  return spawnSync(process.execPath, [`dist/${script}.js`, ...args], { encoding: 'utf8', env: TOOL_ENV });
}

/**
 * Starts `serve` (`command` with `args`: dist/serve.js, or an install's webgpu-transfer serve) on
 * a free port and waits for the line that says where it serves: its URL and the process.
 */
export async function startServer(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ url: string; port: number; server: ChildProcess }> {
  const server = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const url = /(http:\/\/localhost:(\d+)\/)/.exec(line)!;
  return { url: url[1], port: Number(url[2]), server };
}
