// A trained model on disk: OUT/model.json (architecture, classes, preprocessing, head sizes,
// backbone weights' sha256, settings, history) and OUT/head.safetensors (head weights and
// Adam state). One writer per folder (OUT/model.lock). model.json is the commit point: the
// new head is written and fsynced beside the old one under a name of this writer's own, then
// model.json (naming the new head's sha256) replaces the old one atomically, then the head is
// renamed into place and the folder fsynced. An interrupted save leaves either the previous
// model or the new one; load() reads a head staged by a save that stopped after model.json
// without writing anything, and the next save removes what interrupted saves left: only files
// named as our staging files are (model.json or head.safetensors, then .PID-RANDOM.tmp|new),
// and only where the writer that made them is gone. A folder holding anything else is not a
// model folder, and no save goes into it.
//
// The lock is model.lock, made with O_EXCL (as a link to a complete file of ours, so it is
// never seen half-written), holding the owner's pid and the start time of that process: it is
// stale only when that process is gone (a reused pid has another start time). A stale lock is
// removed only by the holder of model.lock.break (also O_EXCL), which checks under it that the
// lock is still the stale one, so two writers that both found it stale cannot both take it.
import {
  accessSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { AdamState, HeadWeights } from '../autograd/head.js';
import {
  OutputError,
  fsyncFolder,
  pidAlive,
  readBytes,
  reason,
  sha256,
  stagingName,
  writeDurable,
  writeFileAtomic,
} from '../files.node.js';
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
/** The backbone weight file import.js writes into a model folder. */
export const IMPORTED_BACKBONE = 'backbone.safetensors';
const BREAK = 'model.lock.break';
/** Model folders this process holds the lock of. */
const held = new Set<string>();

/** What a lock file holds: who wrote it. */
interface Owner {
  tool: typeof LOCK_TOOL;
  pid: number;
  /** The owner process's start time (Linux: /proc/PID/stat field 22), so a reused pid is told apart. */
  start: string | null;
  host: string;
  since: string;
}
const LOCK_TOOL = 'webgpu-transfer';

/** A process's start time, where the system says (Linux); null elsewhere. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number, start: string | null = null): boolean {
  if (!pidAlive(pid)) return false;
  // The pid is in use: by the owner, unless it started at another time.
  return start === null || startTime(pid) === null || startTime(pid) === start;
}

/** A lock file's owner, or null where it is not one of ours (unreadable, half-written, foreign). */
function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return o?.tool === LOCK_TOOL && Number.isInteger(o.pid) ? o : null;
  } catch {
    return null;
  }
}

const ownerText = (o: Owner) => JSON.stringify(o);

/** This process as a lock's owner. */
function ownRecord(): Owner {
  return {
    tool: LOCK_TOOL,
    pid: process.pid,
    start: startTime(process.pid),
    host: hostname(),
    since: new Date().toISOString(),
  };
}

/** Whether an owner's process is still running (on another host: assumed so). */
function ownerAlive(o: Owner): boolean {
  return o.host !== hostname() || isAlive(o.pid, o.start);
}

/**
 * Our staging names: model.json, the head or a lock file, then `.PID-8HEX.tmp|new` (the lock's
 * are made and removed within a call; a writer killed in between leaves one).
 */
const STAGING = /^(model\.json|head\.safetensors|model\.lock|model\.lock\.break)\.(\d+)-[0-9a-f]{8}\.(tmp|new)$/;

/** Whether a folder entry is a file a model folder of ours may hold. */
function isOurs(dir: string, name: string): boolean {
  if (name === HEAD_FILE || name === LOCK || name === BREAK || STAGING.test(name)) return true;
  // import.js writes the backbone of an imported model beside it, and its staging file.
  if (name === IMPORTED_BACKBONE || name.startsWith(`${IMPORTED_BACKBONE}.`)) return true;
  if (name === `${HEAD_FILE}.new`) return true;
  if (name !== 'model.json') return false;
  try {
    parseModelJson(readFileSync(join(dir, name), 'utf8'), dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first entry of `dir` that no model of ours holds (a photo, another tool's model.json, a
 * draft), or null: a save never goes into a folder that holds one, nor sweeps it.
 */
export function foreignEntry(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return null;
  }
  return names.find((name) => !isOurs(dir, name)) ?? null;
}

/**
 * Takes `name` in `dir` exclusively for `owner`: the owner's record written to a file of its
 * own, then linked into place (atomic, never seen half-written). False where it exists.
 */
function createExclusive(dir: string, name: string, owner: Owner): boolean {
  const tmp = join(dir, `${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(tmp, ownerText(owner), { flag: 'wx' });
  try {
    linkSync(tmp, join(dir, name));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
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
  const foreign = foreignEntry(dir);
  if (foreign)
    throw new OutputError(
      `${dir}: not a model folder (it holds ${foreign}); give --out an empty or new folder, or one of our models`,
    );
  const lock = join(dir, LOCK);
  const me = ownRecord();
  // Bounded: each pass either takes the lock, finds a live owner, or removes a stale lock.
  for (let attempt = 0; attempt < 1000; attempt++) {
    let taken: boolean;
    try {
      taken = createExclusive(dir, LOCK, me);
    } catch (e) {
      throw new OutputError(`${dir}: cannot write the model here (${reason(e)})`);
    }
    if (taken) {
      held.add(key);
      // A folder made for a run that saved nothing goes again, so a failed run leaves no trace.
      const release = () => {
        if (!held.delete(key)) return;
        if (readOwner(lock)?.pid === process.pid) rmSync(lock, { force: true });
        if (created && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
      };
      process.once('exit', release);
      return release;
    }
    const owner = readOwner(lock);
    if (owner && ownerAlive(owner)) {
      throw new OutputError(
        `${dir}: another process (pid ${owner.pid}, since ${owner.since}) is writing this model; ` +
          'wait for it to finish or choose another folder',
      );
    }
    breakStaleLock(dir, owner);
  }
  throw new OutputError(`${dir}: cannot take the model lock (${LOCK})`);
}

/**
 * Removes model.lock if it still holds `stale` (or is still unreadable, where `stale` is null),
 * under model.lock.break, so that no fresh lock another writer took meanwhile is removed. A
 * break file whose owner is gone is itself removed; one whose owner runs is waited for (it
 * holds it for a few system calls).
 */
function breakStaleLock(dir: string, stale: Owner | null): void {
  const me = ownRecord();
  const breaker = join(dir, BREAK);
  if (!createExclusive(dir, BREAK, me)) {
    const other = readOwner(breaker);
    // A breaker that died holding it (or a half-made file): only then is it removed.
    if (!other || !ownerAlive(other)) rmSync(breaker, { force: true });
    return;
  }
  try {
    const now = readOwner(join(dir, LOCK));
    const same = stale === null ? now === null : now !== null && ownerText(now) === ownerText(stale);
    if (same) rmSync(join(dir, LOCK), { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** Staging files interrupted saves of this folder left (ours by name, their writer gone; we hold the lock). */
function staleFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => {
    if (f === `${HEAD_FILE}.new`) return true;
    const m = STAGING.exec(f);
    return m !== null && (Number(m[2]) === process.pid || !isAlive(Number(m[2])));
  });
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

/** A path with its folder's links resolved (the file itself need not exist yet). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Throws where an output names a file the model in `dir` is made of (model.json, its head, its
 * lock, or the backbone weights file `weights`): writing there would leave the model unloadable.
 */
export function refuseModelFiles(dir: string, weights: string | null, outputs: readonly (string | undefined)[]): void {
  const own = new Map<string, string>();
  for (const f of ['model.json', HEAD_FILE, LOCK]) own.set(canonical(join(dir, f)), `${f} of the model ${dir}`);
  if (weights && !weights.startsWith('random:')) own.set(canonical(weights), `the model's backbone weights`);
  for (const out of outputs) {
    if (out === undefined) continue;
    const what = own.get(canonical(out));
    if (what) throw new OutputError(`${out}: is ${what}; writing it would break the model (write elsewhere)`);
  }
}

/** model.json holds settings and a history: far below this. */
const MAX_MODEL_JSON_BYTES = 64 * 2 ** 20;

export function loadModel(dir: string): SavedModel {
  const fail = (why: string): never => {
    throw new ModelError(`${dir}: ${why}`);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('no such model folder');
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) fail('no model.json (not a saved model, or its save never finished)');
  // Only regular files, of a sane size: a link to /dev/zero or a FIFO would hang the read.
  const json = parseModelJson(new TextDecoder().decode(readBytes(jsonPath, ModelError, MAX_MODEL_JSON_BYTES)), dir);
  const h = json.head;
  const head = join(dir, h.file);
  const readHead = (path: string) => {
    if (!existsSync(path)) return null;
    if (!statSync(path).isFile()) fail(`${h.file} is not a regular file`);
    return readBytes(path, ModelError);
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
