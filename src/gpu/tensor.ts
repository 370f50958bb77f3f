// A tensor is a shape, a dtype and a GPU storage buffer. Layouts are row-major; image
// tensors are NHWC (see shaders/common/conv_input.wgsl for why).
import { elementCount } from '../util/shapes.js';
import type { Gpu } from './context.js';

export type DType = 'f32' | 'u32';

export class Tensor {
  readonly size: number;
  private released = false;

  constructor(
    readonly gpu: Gpu,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly buffer: GPUBuffer,
  ) {
    this.size = elementCount(shape);
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** Reads the tensor back to the CPU (flushes pending work first). */
  async read(): Promise<Float32Array> {
    return new Float32Array(await this.gpu.readBuffer(this.buffer, this.byteLength));
  }

  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await this.gpu.readBuffer(this.buffer, this.byteLength));
  }

  write(data: Float32Array | Uint32Array): void {
    if (data.length !== this.size) throw new Error(`Tensor.write: ${data.length} values for shape [${this.shape}]`);
    this.gpu.device.queue.writeBuffer(this.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Returns the buffer to the pool; the tensor must not be used afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.gpu.pool.release(this.buffer);
  }
}
