// A fast path for chunked float datasets in HDF5 files read with jsfive: jsfive assembles
// chunked data one element at a time (seconds for a compressed ResNet-50), so the chunks are
// found here by walking the version-1 B-tree of raw data chunks (HDF5 file format spec,
// III.A.1), run through jsfive's own filters, and copied into place a row at a time.
// Anything else (contiguous data, other types, big-endian) is left to jsfive.
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
    let buffer = objects.fh.slice(start, start + (pipeline.length ? size : chunkElements * itemSize));
    for (let f = pipeline.length - 1; f >= 0; f--) {
      if (mask & (1 << f)) continue;
      const id = Number(pipeline[f].get('filter_id'));
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
  const visit = (node: number, depth: number) => {
    if (depth > 64) throw new Error('the chunk B-tree is deeper than 64 levels');
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
