// Buffers pooled by (usage, size): repeated forwards with the same shapes reuse the same
// allocations instead of growing GPU memory.

const SIZE_ALIGN = 256;

export class BufferPool {
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
