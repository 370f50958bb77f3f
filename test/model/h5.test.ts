// The fast path for chunked HDF5 datasets (src/weights/h5-chunks.ts) against the values
// written: files made here with h5wasm (the HDF Group's library) with chunks that do not divide
// the shape, gzip, hundreds of chunks (a B-tree of more than one
// level), f4 and f8; contiguous and integer datasets are left to jsfive.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jsfive from 'jsfive';
import { afterAll, describe, expect, it } from 'vitest';
import { readChunkedFloats } from '../../src/weights/h5-chunks.js';
import { randomArray, rng } from '../support/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'h5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chunked HDF5 datasets', () => {
  it('read whole and in place, as written, whatever the chunking', async () => {
    const { default: h5wasm } = await import('h5wasm/node');
    await h5wasm.ready;
    const random = rng();
    const path = join(dir, 'chunks.h5');
    const cases = [
      { name: 'edges', shape: [5, 7, 3], chunks: [2, 3, 2], data: randomArray(105, random) },
      // 420 chunks: a B-tree of two levels.
      { name: 'many', shape: [40, 41], chunks: [2, 2], data: Float64Array.from(randomArray(1640, random)) },
      { name: 'vector', shape: [10], chunks: [4], data: randomArray(10, random) },
    ];
    const file = new h5wasm.File(path, 'w');
    for (const c of cases)
      file.create_dataset({
        name: c.name,
        data: c.data,
        shape: c.shape,
        chunks: c.chunks,
        compression: 'gzip',
      });
    file.create_dataset({ name: 'contiguous', data: randomArray(6, random), shape: [2, 3] });
    file.create_dataset({ name: 'integers', data: Int32Array.of(1, 2, 3, 4), shape: [4], chunks: [2] });
    file.close();

    const bytes = readFileSync(path);
    const h5 = new jsfive.File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), path);
    for (const c of cases) {
      const got = readChunkedFloats(h5.get(c.name));
      expect(got, c.name).toBeInstanceOf(c.data.constructor);
      expect(Array.from(got!), c.name).toEqual(Array.from(c.data));
    }
    expect(readChunkedFloats(h5.get('contiguous'))).toBeNull();
    expect(readChunkedFloats(h5.get('integers'))).toBeNull();
  });
});
