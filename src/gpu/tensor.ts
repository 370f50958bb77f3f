// A tensor is a shape, a dtype and a GPU storage buffer. Layouts are row-major; image
// tensors are NHWC (see shaders/common/conv_input.wgsl for why).
import { fromHalves, toHalves } from '../util/half.js';
import { elementCount } from '../util/shapes.js';
import type { Gpu } from './context.js';
import type { TensorPool } from './pool.js';

/** f16 tensors need the adapter's 'shader-f16' (Gpu.hasF16); their values move as f32 on the host. */
export type DType = 'f32' | 'u32' | 'f16';

/** Bytes of `size` elements of `dtype`, rounded up to the 4 that bindings and copies need. */
export function bytesOf(size: number, dtype: DType): number {
  return dtype === 'f16' ? Math.ceil(size / 2) * 4 : size * 4;
}

export class Tensor {
  readonly size: number;
  private released = false;

  constructor(
    readonly gpu: Gpu,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly buffer: GPUBuffer,
    /** Where the buffer goes back to on release(): the context's pool, or a recording's. */
    private readonly pool: TensorPool = gpu.pool,
  ) {
    this.size = elementCount(shape);
  }

  get byteLength(): number {
    return bytesOf(this.size, this.dtype);
  }

  /** Reads the tensor back to the CPU (flushes pending work first); f16 values come back as floats. */
  async read(): Promise<Float32Array> {
    const bytes = await this.gpu.readBuffer(this.buffer, this.byteLength);
    return this.dtype === 'f16' ? fromHalves(new Uint16Array(bytes, 0, this.size)) : new Float32Array(bytes);
  }

  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await this.gpu.readBuffer(this.buffer, this.byteLength));
  }

  /** Writes every element; an f16 tensor takes floats (rounded to the nearest half). */
  write(data: Float32Array | Uint32Array): void {
    if (this.gpu.recording) throw new Error('Tensor.write: writes are not recorded (write before the replay)');
    if (data.length !== this.size) throw new Error(`Tensor.write: ${data.length} values for shape [${this.shape}]`);
    if (this.dtype === 'f16') {
      // Padded to whole 4-byte words, as writeBuffer needs.
      const halves = new Uint16Array(this.byteLength / 2);
      halves.set(toHalves(data));
      this.gpu.device.queue.writeBuffer(this.buffer, 0, halves.buffer, 0, halves.byteLength);
      return;
    }
    this.gpu.device.queue.writeBuffer(this.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Returns the buffer to the pool; the tensor must not be used afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.release(this.buffer);
  }
}
