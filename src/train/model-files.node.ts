// A trained model on disk: OUT/model.json (architecture, classes, preprocessing, head sizes,
// backbone weights' sha256, settings, history) and OUT/head.safetensors (head weights and
// Adam state). One writer per folder (OUT/model.lock). model.json is the commit point: the
// new head is written and fsynced beside the old one under a name of this writer's own, then
// model.json (naming the new head's sha256) replaces the old one atomically, then the head is
// renamed into place and the folder fsynced. An interrupted save leaves either the previous
// model or the new one; load() reads a head staged by a save that stopped after model.json
// without writing anything, and the next save removes what interrupted saves left.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AdamState, HeadWeights } from '../autograd/head.js';
import { OutputError, fsyncFolder, reason, sha256, stagingName, writeDurable, writeFileAtomic } from '../files.node.js';
import type { TensorMap } from '../weights/host-tensor.js';
import {
  HEAD_FILE,
  ModelError,
  type ModelDescription,
  type SavedModel,
  encodeHead,
  modelJsonText,
  parseHead,
  parseModelJson,
} from './model-format.js';

const LOCK = 'model.lock';
/** Model folders this process holds the lock of. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes `dir` this process's to write: creates it and its model.lock (exclusively), so a
 * second trainer on the same folder stops with a clear error while a lock left by a process
 * that is gone is taken over. Fails at once, naming the folder, where it cannot be written.
 * Returns the release (also run at exit); nested calls in one process share the lock.
 */
export function lockModelFolder(dir: string): () => void {
  const key = resolve(dir);
  if (held.has(key)) return () => {};
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OutputError(`${dir}: is a file, not a folder`);
  const created = !existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    // A recursive mkdir on a read-only file system says ENOENT; the nearest existing folder says why.
    let why = reason(e);
    let parent = resolve(dir);
    while (!existsSync(parent)) parent = dirname(parent);
    try {
      accessSync(parent, constants.W_OK);
    } catch (denied) {
      why = reason(denied);
    }
    throw new OutputError(`${dir}: cannot create the model folder (${why})`);
  }
  const lock = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OutputError(`${dir}: cannot write the model here (${reason(e)})`);
      }
      let owner: { pid?: number; host?: string; since?: string } = {};
      try {
        owner = JSON.parse(readFileSync(lock, 'utf8'));
      } catch {
        // unreadable or half-written: its writer is gone
      }
      if (owner.pid && owner.host === hostname() && isAlive(owner.pid)) {
        throw new OutputError(
          `${dir}: another process (pid ${owner.pid}, since ${owner.since}) is writing this model; ` +
            'wait for it to finish or choose another folder',
        );
      }
      rmSync(lock, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    closeSync(fd);
    held.add(key);
    // A folder made for a run that saved nothing goes again, so a failed run leaves no trace.
    const release = () => {
      if (!held.delete(key)) return;
      rmSync(lock, { force: true });
      if (created && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', release);
    return release;
  }
  throw new OutputError(`${dir}: cannot take the model lock (${LOCK})`);
}

/** Staging files a save of this folder left behind (only ever stale while we hold its lock). */
function staleFiles(dir: string): string[] {
  // This version's names (file.PID-RANDOM.tmp|new) and earlier versions' (file.PID.tmp, head.safetensors.new).
  return readdirSync(dir).filter((f) => /\.\d+(-[0-9a-f]+)?\.(tmp|new)$/.test(f) || f === `${HEAD_FILE}.new`);
}

/** Saves a model into `dir` (created if need be) under its lock, atomically (see the top). */
export function saveModel(
  dir: string,
  description: ModelDescription,
  weights: HeadWeights,
  adam: AdamState,
  runningStatistics: TensorMap | null = null,
): void {
  const head = encodeHead(dir, description.head, weights, adam, runningStatistics);
  saveModelFiles(dir, modelJsonText(dir, description, sha256(head)), head);
}

/** Writes a model's encoded files into `dir` under its lock: the new head, then model.json, then the rename. */
export function saveModelFiles(dir: string, modelJson: string, bytes: Uint8Array): void {
  const release = lockModelFolder(dir);
  try {
    for (const f of staleFiles(dir)) rmSync(join(dir, f), { force: true });
    const head = join(dir, HEAD_FILE);
    const staged = stagingName(head, 'new');
    try {
      writeDurable(staged, bytes);
    } catch (e) {
      rmSync(staged, { force: true });
      throw new OutputError(`${head}: cannot write (${reason(e)})`);
    }
    writeFileAtomic(join(dir, 'model.json'), modelJson);
    renameSync(staged, head);
    fsyncFolder(dir);
  } finally {
    release();
  }
}

export function loadModel(dir: string): SavedModel {
  const fail = (why: string): never => {
    throw new ModelError(`${dir}: ${why}`);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('no such model folder');
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) fail('no model.json (not a saved model, or its save never finished)');
  const json = parseModelJson(readFileSync(jsonPath, 'utf8'), dir);
  const h = json.head;
  const head = join(dir, h.file);
  // Only regular files: a link to /dev/zero or a FIFO would hang the read.
  const readHead = (path: string) => {
    if (!existsSync(path)) return null;
    if (!statSync(path).isFile()) fail(`${h.file} is not a regular file`);
    return new Uint8Array(readFileSync(path));
  };
  let bytes = readHead(head);
  if (!bytes || sha256(bytes) !== h.sha256) {
    // A save that stopped between model.json and the final rename: its staged head is read
    // where it lies (nothing is written, so read-only folders load too); the next save tidies.
    const staged = readdirSync(dir).filter((f) => f.startsWith(`${h.file}.`) && f.endsWith('.new'));
    const pending = staged.map((f) => readHead(join(dir, f))).find((b) => b && sha256(b) === h.sha256);
    if (pending) bytes = pending;
    else fail(bytes ? `${h.file} does not match model.json (sha256 differs)` : `${h.file} is missing`);
  }
  return parseHead(json, bytes!, dir);
}
