// A fast path for chunked float datasets in HDF5 files read with jsfive: jsfive assembles
// chunked data one element at a time (seconds for a compressed ResNet-50), so the chunks are
// found here by walking the version-1 B-tree of raw data chunks (HDF5 file format spec,
// III.A.1), run through the filters (deflate here, capped at the chunk's size so that a small
// chunk cannot inflate to gigabytes; the others jsfive's), and copied into place a row at a
// time. Each tree node is visited once: a tree whose nodes name each other twice is refused.
// Anything else (contiguous data, other types, big-endian) is left to jsfive.
import { Unzlib } from 'fflate';
import * as jsfive from 'jsfive';

/** What this reader uses of jsfive's data object (its internals, checked at run time). */
interface DataObjects {
  fh: ArrayBuffer;
  dtype: unknown;
  shape: number[];
  chunks: number[] | null;
  filter_pipeline: Map<string, unknown>[] | null;
  _chunk_address: number | bigint | null;
}

type Filter = (buffer: ArrayBuffer, itemSize: number, clientData: unknown) => ArrayBuffer;
const FILTERS = (jsfive as unknown as { Filters: Map<number, Filter> }).Filters;

/** HDF5's undefined address (all bits set): a dataset with no chunks written. */
const UNDEFINED = 0xffffffffffffffffn;

const DEFLATE = 1;

/** Compressed bytes fed to the inflater at a time: deflate's 1032:1 at most makes 1 MiB of output. */
const INFLATE_STEP = 1024;

/** A zlib stream inflated to at most `limit` bytes; one that would inflate further is refused. */
function inflateCapped(data: Uint8Array, limit: number): ArrayBuffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
    parts.push(chunk);
  });
  // Fed a slice at a time, so that the size is checked before much more is inflated.
  for (let at = 0; at < data.length; at += INFLATE_STEP) {
    inflater.push(data.subarray(at, at + INFLATE_STEP), at + INFLATE_STEP >= data.length);
    if (total > limit) throw new Error(`a compressed chunk inflates past its ${limit} bytes`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

/** Whether a jsfive dataset's chunked data was never written (its chunk tree's address undefined). */
export function chunksUnwritten(dataset: unknown): boolean {
  const objects = (dataset as { _dataobjects?: DataObjects })._dataobjects;
  if (!objects) return false;
  try {
    if (!objects.chunks) return false;
  } catch {
    return false;
  }
  const address = objects._chunk_address;
  return address !== null && address !== undefined && BigInt(address) === UNDEFINED;
}

/**
 * The values of a chunked little-endian f4/f8 dataset of jsfive, or null where this path does
 * not apply (the caller then reads `.value`). Throws on a malformed chunk tree.
 */
export function readChunkedFloats(dataset: unknown): Float32Array | Float64Array | null {
  const objects = (dataset as { _dataobjects?: DataObjects })._dataobjects;
  if (!objects || !(objects.fh instanceof ArrayBuffer) || !FILTERS) return null;
  const dtype = objects.dtype;
  if (dtype !== '<f4' && dtype !== '<f8') return null;
  const chunks = objects.chunks; // also reads the chunk address
  const address = objects._chunk_address;
  if (!chunks || address === null || address === undefined) return null;
  if (BigInt(address) === UNDEFINED) return null;
  const shape = objects.shape;
  if (!shape.length || chunks.length !== shape.length) return null;
  const itemSize = dtype === '<f4' ? 4 : 8;
  const Out = itemSize === 4 ? Float32Array : Float64Array;
  const out = new Out(shape.reduce((a, b) => a * b, 1));
  const view = new DataView(objects.fh);
  const pipeline = objects.filter_pipeline ?? [];
  const rank = shape.length;
  const chunkElements = chunks.reduce((a, b) => a * b, 1);
  const rowLength = chunks[rank - 1];
  const rows = chunkElements / rowLength;

  const place = (start: number, size: number, mask: number, offsets: number[]) => {
    if (start + size > objects.fh.byteLength) throw new Error(`a chunk at ${start} reaches past the end of the file`);
    let buffer = objects.fh.slice(start, start + (pipeline.length ? size : chunkElements * itemSize));
    for (let f = pipeline.length - 1; f >= 0; f--) {
      if (mask & (1 << f)) continue;
      const id = Number(pipeline[f].get('filter_id'));
      if (id === DEFLATE) {
        // A checksum filter may follow: 4 bytes beyond the values.
        buffer = inflateCapped(new Uint8Array(buffer), chunkElements * itemSize + 4);
        continue;
      }
      const filter = FILTERS.get(id);
      if (!filter) throw new Error(`HDF5 filter ${id} is not supported`);
      buffer = filter(buffer, itemSize, pipeline[f].get('client_data'));
    }
    if (buffer.byteLength < chunkElements * itemSize)
      throw new Error(`a chunk holds ${buffer.byteLength} bytes, not ${chunkElements * itemSize}`);
    const values = new Out(buffer, 0, chunkElements);
    // Each run of the chunk's last dimension, where it falls inside the dataset.
    const width = Math.min(rowLength, shape[rank - 1] - offsets[rank - 1]);
    const index = new Array<number>(rank - 1).fill(0);
    for (let r = 0; r < rows; r++) {
      let inside = width > 0;
      let target = 0;
      for (let d = 0; d < rank - 1; d++) {
        const at = offsets[d] + index[d];
        if (at >= shape[d]) inside = false;
        target = target * shape[d] + at;
      }
      if (inside) {
        target = target * shape[rank - 1] + offsets[rank - 1];
        out.set(values.subarray(r * rowLength, r * rowLength + width), target);
      }
      for (let d = rank - 2; d >= 0; d--) {
        if (++index[d] < chunks[d]) break;
        index[d] = 0;
      }
    }
  };

  // The B-tree: "TREE", node type 1 (raw data chunks), level, entries; keys of (chunk size,
  // filter mask, rank + 1 offsets) around child addresses (nodes, or chunks at level 0).
  const visited = new Set<number>();
  const visit = (node: number, depth: number) => {
    if (depth > 64) throw new Error('the chunk B-tree is deeper than 64 levels');
    if (visited.has(node)) throw new Error(`the chunk B-tree names node ${node} twice`);
    visited.add(node);
    if (node + 24 > objects.fh.byteLength)
      throw new Error(`a chunk B-tree node at ${node} is past the end of the file`);
    const signature = String.fromCharCode(...new Uint8Array(objects.fh, node, 4));
    if (signature !== 'TREE' || view.getUint8(node + 4) !== 1) throw new Error(`no chunk B-tree node at ${node}`);
    const level = view.getUint8(node + 5);
    const entries = view.getUint16(node + 6, true);
    const keySize = 8 + 8 * (rank + 1);
    let at = node + 24;
    for (let e = 0; e < entries; e++) {
      const size = view.getUint32(at, true);
      const mask = view.getUint32(at + 4, true);
      const offsets = Array.from({ length: rank }, (_, d) => Number(view.getBigUint64(at + 8 + 8 * d, true)));
      const child = Number(view.getBigUint64(at + keySize, true));
      if (level > 0) visit(child, depth + 1);
      else place(child, size, mask, offsets);
      at += keySize + 8;
    }
  };
  visit(Number(address), 0);
  return out;
}
