// Writing files in the Origin Private File System so that a reader finds the old content or the
// new, never part of it: to a temporary name, then moved over the real one.

/** Writes `name` in `dir` through a temporary file moved into place once closed. */
export async function writeAtomic(
  dir: FileSystemDirectoryHandle,
  name: string,
  data: Uint8Array | string,
): Promise<void> {
  const temporary = `${name}.partial`;
  const handle = await dir.getFileHandle(temporary, { create: true });
  const writable = await handle.createWritable();
  await writable.write(data as Uint8Array<ArrayBuffer> | string);
  await writable.close();
  await dir.removeEntry(name).catch(() => {});
  // move() renames within the folder (Chromium, Firefox); where missing, write the final name.
  const movable = handle as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
  if (movable.move) await movable.move(name);
  else {
    const final = await (await dir.getFileHandle(name, { create: true })).createWritable();
    await final.write(data as Uint8Array<ArrayBuffer> | string);
    await final.close();
    await dir.removeEntry(temporary);
  }
}
