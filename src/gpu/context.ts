// The GPU context: device, pipeline cache, buffer pool and a recorder that batches many
// dispatches into one compute pass per submit.
import { type AdapterDescription, type DeviceOptions, requestDevice } from './device.js';
import { type PipelineSpec, PipelineCache } from './pipelines.js';
import { BufferPool } from './pool.js';
import { elementCount } from '../util/shapes.js';
import { type DType, Tensor, bytesOf } from './tensor.js';

export interface Dispatch {
  kernel: string;
  pipeline: GPUComputePipeline;
  /** Packed uniform block bound at @binding(0); omitted when the kernel has none. */
  params?: ArrayBuffer;
  /** Storage buffers bound at @binding(1), @binding(2), ... in order; null leaves a binding number unused. */
  buffers: (GPUBuffer | Tensor | null)[];
  workgroups: [number, number?, number?];
}

interface Recorded {
  kernel: string;
  pipeline: GPUComputePipeline;
  entries: GPUBindGroupEntry[];
  workgroups: [number, number?, number?];
}

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (constants for browsers and Node alike)
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_DST = 0x1 | 0x8; // MAP_READ | COPY_DST
const QUERY_RESOLVE = 0x200 | 0x4; // QUERY_RESOLVE | COPY_SRC
/** Timestamps one measure() keeps: two per compute pass (the WebGPU limit is 4096 per query set). */
const MAX_TIMED_PASSES = 2048;

/** One dispatch's GPU time, from a measure() with perDispatch. */
export interface DispatchTime {
  kernel: string;
  workgroups: [number, number, number];
  ms: number;
}

interface Timing {
  querySet: GPUQuerySet;
  passes: number;
  /** Set when each dispatch gets its own timed pass: the kernel and grid of each pass. */
  dispatches: { kernel: string; workgroups: [number, number, number] }[] | null;
  /** More passes than timestamps: the sum would fall short, so none is reported. */
  overflow: boolean;
}

export class Gpu {
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  readonly hasTimestamps: boolean;
  /** Whether the device has 'shader-f16': f16 tensors and the kernels' f16 storage path. */
  readonly hasF16: boolean;
  private recorded: Recorded[] = [];
  private pendingUniforms: GPUBuffer[] = [];
  private pendingReleases: Tensor[] = [];
  private fatal: Error | null = null;
  private timing: Timing | null = null;
  private destroyed = false;

  private constructor(
    /** Held so the GPU instance lives as long as the device (dawn.node crashes otherwise). */
    readonly instance: GPU,
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    /** An error scope per dispatch instead of one per flush, to name the kernel at fault. */
    private readonly debug: boolean,
  ) {
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(device);
    this.hasTimestamps = device.features.has('timestamp-query');
    this.hasF16 = device.features.has('shader-f16');
    device.lost.then((info) => {
      if (!this.destroyed) this.fatal = new Error(`GPU device lost (${info.reason}): ${info.message}`);
    });
    device.addEventListener('uncapturederror', (e) => {
      const error = (e as GPUUncapturedErrorEvent).error;
      this.fatal ??= new Error(`GPU error: ${error.message}`);
    });
  }

  static async create(options?: DeviceOptions): Promise<Gpu> {
    const { instance, device, adapter } = await requestDevice(options);
    return new Gpu(instance, device, adapter, options?.debug ?? false);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  private check(): void {
    if (this.destroyed) throw new Error('GPU context used after destroy()');
    if (this.fatal) throw this.fatal;
  }

  pipeline(spec: PipelineSpec): Promise<GPUComputePipeline> {
    this.check();
    return this.pipelines.get(spec);
  }

  tensor(shape: readonly number[], dtype: DType = 'f32', label?: string): Tensor {
    this.check();
    if (dtype === 'f16' && !this.hasF16) throw new Error(`tensor [${shape}]: f16 needs the adapter's shader-f16`);
    const bytes = bytesOf(elementCount(shape), dtype);
    if (bytes > this.device.limits.maxBufferSize) {
      throw new Error(
        `tensor [${shape}] needs ${bytes} bytes, over the adapter's maxBufferSize ${this.device.limits.maxBufferSize}`,
      );
    }
    return new Tensor(this, shape, dtype, this.pool.acquire(bytes, STORAGE, label));
  }

  /** A tensor holding `data`: u32 for a Uint32Array, else `dtype` (f32, or f16 rounding each value). */
  upload(
    data: Float32Array | Uint32Array,
    shape: readonly number[] = [data.length],
    label?: string,
    dtype: 'f32' | 'f16' = 'f32',
  ): Tensor {
    const t = this.tensor(shape, data instanceof Uint32Array ? 'u32' : dtype, label);
    t.write(data);
    return t;
  }

  /** Records a dispatch; it runs at the next flush(). */
  dispatch(d: Dispatch): void {
    this.check();
    const entries: GPUBindGroupEntry[] = [];
    if (d.params) {
      const uniform = this.pool.acquire(d.params.byteLength, UNIFORM, 'params');
      this.device.queue.writeBuffer(uniform, 0, d.params);
      this.pendingUniforms.push(uniform);
      entries.push({ binding: 0, resource: { buffer: uniform, size: d.params.byteLength } });
    }
    const limit = this.device.limits.maxStorageBufferBindingSize;
    d.buffers.forEach((b, i) => {
      if (!b) return;
      const buffer = b instanceof Tensor ? b.buffer : b;
      const size = b instanceof Tensor ? b.byteLength : buffer.size;
      if (size > limit) {
        const name = buffer.label ? ` ${buffer.label}` : '';
        throw new Error(
          `${d.kernel}: buffer${name} of ${size} bytes is over this adapter's storage binding limit (${limit})`,
        );
      }
      entries.push({ binding: i + 1, resource: { buffer, size } });
    });
    this.recorded.push({ kernel: d.kernel, pipeline: d.pipeline, entries, workgroups: d.workgroups });
  }

  /** Returns a scratch tensor to the pool once the dispatches recorded so far are submitted. */
  releaseAfterFlush(t: Tensor): void {
    this.pendingReleases.push(t);
  }

  /** Submits everything recorded so far as one compute pass. */
  async flush(): Promise<void> {
    this.check();
    const recorded = this.recorded;
    const validation: Promise<void>[] = [];
    this.recorded = [];
    if (recorded.length) {
      // One error scope for the whole submit (bind groups are made here, not per dispatch);
      // the debug option adds one per dispatch.
      this.device.pushErrorScope('validation');
      const bindGroups = recorded.map((r) => {
        if (this.debug) this.device.pushErrorScope('validation');
        const group = this.device.createBindGroup({
          layout: r.pipeline.getBindGroupLayout(0),
          entries: r.entries,
          label: r.kernel,
        });
        if (this.debug) {
          validation.push(
            this.device.popErrorScope().then((e) => {
              if (e) throw new Error(`${r.kernel}: ${e.message}`);
            }),
          );
        }
        return group;
      });
      const encoder = this.device.createCommandEncoder();
      const timing = this.timing;
      const timedPass = (): GPUComputePassDescriptor => {
        if (!timing) return {};
        if (timing.passes >= MAX_TIMED_PASSES) {
          timing.overflow = true;
          return {};
        }
        const i = timing.passes++;
        return {
          timestampWrites: {
            querySet: timing.querySet,
            beginningOfPassWriteIndex: 2 * i,
            endOfPassWriteIndex: 2 * i + 1,
          },
        };
      };
      const grid = (r: Recorded): [number, number, number] => [
        r.workgroups[0],
        r.workgroups[1] ?? 1,
        r.workgroups[2] ?? 1,
      ];
      if (timing?.dispatches) {
        // Profiling: one timed pass per dispatch (passes end with a barrier, so times add up).
        recorded.forEach((r, i) => {
          const labelled = timing.passes < MAX_TIMED_PASSES;
          const pass = encoder.beginComputePass(timedPass());
          if (labelled) timing.dispatches!.push({ kernel: r.kernel, workgroups: grid(r) });
          pass.setPipeline(r.pipeline);
          pass.setBindGroup(0, bindGroups[i]);
          pass.dispatchWorkgroups(...grid(r));
          pass.end();
        });
      } else {
        const pass = encoder.beginComputePass(timedPass());
        recorded.forEach((r, i) => {
          pass.setPipeline(r.pipeline);
          pass.setBindGroup(0, bindGroups[i]);
          pass.dispatchWorkgroups(...grid(r));
        });
        pass.end();
      }
      this.device.queue.submit([encoder.finish()]);
      validation.push(
        this.device.popErrorScope().then((e) => {
          if (e) throw new Error(`submit of ${recorded.length} dispatches: ${e.message}`);
        }),
      );
    }
    // Queue order makes the uniform buffers safe to rewrite by later dispatches.
    for (const u of this.pendingUniforms) this.pool.release(u);
    this.pendingUniforms = [];
    for (const t of this.pendingReleases) t.release();
    this.pendingReleases = [];
    await Promise.all(validation);
  }

  /** Flushes and waits until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    await this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  async readBuffer(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    await this.flush();
    const staging = this.pool.acquire(bytes, MAP_READ_DST, 'readback');
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, staging.size);
    } catch (e) {
      this.check();
      throw e;
    }
    const copy = staging.getMappedRange(0, staging.size).slice(0, bytes);
    staging.unmap();
    this.pool.release(staging);
    return copy;
  }

  /**
   * Runs `work` (which records and flushes dispatches) and returns its wall time and, where
   * the adapter has timestamp queries, the GPU time summed over its compute passes; with
   * perDispatch, each dispatch runs in its own timed pass and its time is listed.
   */
  async measure(
    work: () => Promise<void> | void,
    options: { perDispatch?: boolean } = {},
  ): Promise<{ wallMs: number; gpuMs: number | null; dispatches: DispatchTime[] | null }> {
    await this.sync();
    if (this.hasTimestamps) {
      this.timing = {
        querySet: this.device.createQuerySet({ type: 'timestamp', count: MAX_TIMED_PASSES * 2 }),
        passes: 0,
        dispatches: options.perDispatch ? [] : null,
        overflow: false,
      };
    }
    const start = performance.now();
    try {
      await work();
      await this.sync();
    } catch (e) {
      this.timing?.querySet.destroy();
      this.timing = null;
      throw e;
    }
    const wallMs = performance.now() - start;
    const timing = this.timing;
    this.timing = null;
    if (!timing) return { wallMs, gpuMs: null, dispatches: null };
    let gpuMs: number | null = null;
    let dispatches: DispatchTime[] | null = null;
    if (timing.passes > 0 && !timing.overflow) {
      const bytes = timing.passes * 16;
      const resolve = this.device.createBuffer({ size: bytes, usage: QUERY_RESOLVE });
      const encoder = this.device.createCommandEncoder();
      encoder.resolveQuerySet(timing.querySet, 0, timing.passes * 2, resolve, 0);
      this.device.queue.submit([encoder.finish()]);
      const stamps = new BigUint64Array(await this.readBuffer(resolve, bytes));
      resolve.destroy();
      const passMs = (i: number) => Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6;
      gpuMs = 0;
      for (let i = 0; i < timing.passes; i++) gpuMs += passMs(i);
      dispatches = timing.dispatches?.map((d, i) => ({ ...d, ms: passMs(i) })) ?? null;
    }
    timing.querySet.destroy();
    return { wallMs, gpuMs, dispatches };
  }

  /** Splits a 1-D workgroup count over x and y to respect maxComputeWorkgroupsPerDimension. */
  grid(workgroups: number): [number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= max) return [Math.max(1, workgroups), 1];
    const y = Math.ceil(workgroups / max);
    return [Math.ceil(workgroups / y), y];
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.trim();
    this.device.destroy();
  }
}
