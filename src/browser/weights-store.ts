// The training page's backbone choice, kept in the Origin Private File System: a weights file
// under its sha256 (written to a temporary name, then moved: never half a file under the real
// name), and which weights the page used last, so a second visit starts without asking.
import { writeAtomic } from './opfs.js';

/** What the page used last: a kept weights file by its digest, or random:SEED. */
export type BackboneChoice = { kind: 'file'; sha256: string; name: string } | { kind: 'random'; seed: number };

const DIR = 'backbone-weights';
const CHOICE = 'choice.json';

async function folder(): Promise<FileSystemDirectoryHandle | null> {
  if (!navigator.storage?.getDirectory) return null;
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(DIR, { create: true });
}

/** Keeps a weights file under its digest and makes it the choice; false where the browser has no OPFS. */
export async function keepWeights(bytes: Uint8Array, sha256: string, name: string): Promise<boolean> {
  const dir = await folder();
  if (!dir) return false;
  // One weights file is kept: another choice replaces it (a ResNet-50 is about 100 MB).
  const names: string[] = [];
  for await (const [entry] of dir as unknown as AsyncIterable<[string, FileSystemHandle]>) names.push(entry);
  for (const name of names) if (name !== CHOICE && name !== sha256) await dir.removeEntry(name);
  await writeAtomic(dir, sha256, bytes);
  await writeAtomic(dir, CHOICE, JSON.stringify({ kind: 'file', sha256, name } satisfies BackboneChoice));
  return true;
}

/** Makes random:SEED the choice; false where the browser has no OPFS. */
export async function keepRandomChoice(seed: number): Promise<boolean> {
  const dir = await folder();
  if (!dir) return false;
  await writeAtomic(dir, CHOICE, JSON.stringify({ kind: 'random', seed } satisfies BackboneChoice));
  return true;
}

/** The last choice, with the kept file's bytes for a file; null when nothing (usable) is kept. */
export async function recallChoice(): Promise<{ choice: BackboneChoice; bytes: Uint8Array | null } | null> {
  const dir = await folder();
  if (!dir) return null;
  try {
    const text = await (await (await dir.getFileHandle(CHOICE)).getFile()).text();
    const choice = JSON.parse(text) as BackboneChoice;
    if (choice.kind === 'random') return { choice, bytes: null };
    const file = await (await dir.getFileHandle(choice.sha256)).getFile();
    return { choice, bytes: new Uint8Array(await file.arrayBuffer()) };
  } catch {
    return null;
  }
}

/** Removes everything kept. */
export async function forgetWeights(): Promise<void> {
  if (!navigator.storage?.getDirectory) return;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(DIR, { recursive: true }).catch(() => {});
}

/** A file's or URL's bytes, reporting (bytes read, total bytes or 0 when unknown) as they come. */
export async function readWithProgress(
  source: File | string,
  onProgress: (read: number, total: number) => void,
): Promise<Uint8Array> {
  let stream: ReadableStream<Uint8Array>;
  let total: number;
  if (typeof source === 'string') {
    const response = await fetch(source);
    if (!response.ok || !response.body) throw new Error(`${source}: HTTP ${response.status} ${response.statusText}`);
    total = Number(response.headers.get('content-length') ?? 0);
    stream = response.body;
  } else {
    total = source.size;
    stream = source.stream();
  }
  const chunks: Uint8Array[] = [];
  let read = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    read += value.length;
    onProgress(read, total);
  }
  const out = new Uint8Array(read);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
