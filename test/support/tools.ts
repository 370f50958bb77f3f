// Running this project's built tools (dist/*.js) from the Node tests: the environment dawn.node
// needs, and one tool run to its end.
import { spawnSync } from 'node:child_process';

/** The tests' environment with XDG_RUNTIME_DIR set, which dawn.node needs. */
export const TOOL_ENV = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

/** `node dist/SCRIPT.js ARGS...`, run to its end. */
export function runTool(script: string, ...args: string[]) {
  return spawnSync(process.execPath, [`dist/${script}.js`, ...args], { encoding: 'utf8', env: TOOL_ENV });
}
