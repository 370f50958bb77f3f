// Buffers pooled by (usage, size): repeated forwards with the same shapes reuse the same
// allocations instead of growing GPU memory.

const SIZE_ALIGN = 256;

export class BufferPool implements TensorPool {
  private free = new Map<string, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  allocatedBytes = 0;

  constructor(private device: GPUDevice) {}

  static roundSize(bytes: number): number {
    return Math.max(SIZE_ALIGN, Math.ceil(bytes / SIZE_ALIGN) * SIZE_ALIGN);
  }

  acquire(bytes: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    const size = BufferPool.roundSize(bytes);
    const key = `${usage}:${size}`;
    const buffer = this.free.get(key)?.pop() ?? this.create(size, usage, label);
    this.live.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return; // not ours, or released twice
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
  }

  /** Destroys the idle buffers; live ones stay with their owners. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  private create(size: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    this.allocatedBytes += size;
    return this.device.createBuffer({ size, usage, label });
  }
}

/** Where a tensor's buffer came from and goes back to. */
export interface TensorPool {
  acquire(bytes: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer;
  release(buffer: GPUBuffer): void;
}

/**
 * The buffers of one recording: taken from the context's pool the first time they are needed
 * and reused within the recording (its dispatches run in order, so a buffer released during
 * the recording may be written by the dispatches recorded after); all handed back by dispose().
 */
export class RecordingPool implements TensorPool {
  private free = new Map<string, GPUBuffer[]>();
  private owned = new Set<GPUBuffer>();

  constructor(private parent: BufferPool) {}

  /** Bytes of the buffers the recording holds. */
  get bytes(): number {
    let sum = 0;
    for (const b of this.owned) sum += b.size;
    return sum;
  }

  acquire(bytes: number, usage: GPUBufferUsageFlags, label?: string): GPUBuffer {
    const key = `${usage}:${BufferPool.roundSize(bytes)}`;
    const reused = this.free.get(key)?.pop();
    if (reused) return reused;
    const buffer = this.parent.acquire(bytes, usage, label);
    this.owned.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.owned.has(buffer)) return;
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key) ?? [];
    if (!list.includes(buffer)) list.push(buffer);
    this.free.set(key, list);
  }

  dispose(): void {
    for (const b of this.owned) this.parent.release(b);
    this.owned.clear();
    this.free.clear();
  }
}
