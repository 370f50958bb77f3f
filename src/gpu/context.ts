// The GPU context: device, pipeline cache, buffer pool, the queue of dispatches that a flush
// submits in one command buffer, and recordings: dispatches bound once and replayed.
import { type AdapterDescription, type DeviceOptions, requestDevice } from './device.js';
import { type PipelineSpec, PipelineCache } from './pipelines.js';
import { BufferPool, RecordingPool, type TensorPool } from './pool.js';
import { elementCount } from '../util/shapes.js';
import { type DType, Tensor, bytesOf } from './tensor.js';

export interface Dispatch {
  kernel: string;
  /**
   * While recording, a pipeline may still be compiling: Gpu.record waits for all of them at
   * its end, so that a recording's pipelines compile in parallel.
   */
  pipeline: GPUComputePipeline | Promise<GPUComputePipeline>;
  /** Packed uniform block bound at @binding(0); omitted when the kernel has none. */
  params?: ArrayBuffer;
  /** Storage buffers bound at @binding(1), @binding(2), ... in order; null leaves a binding number unused. */
  buffers: (GPUBuffer | Tensor | null)[];
  workgroups: [number, number?, number?];
}

const STORAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST (constants for browsers and Node alike)
const UNIFORM = 0x40 | 0x8; // UNIFORM | COPY_DST
const MAP_READ_DST = 0x1 | 0x8; // MAP_READ | COPY_DST
const QUERY_RESOLVE = 0x200 | 0x4; // QUERY_RESOLVE | COPY_SRC
/** Bytes of each stand-in storage buffer a kernel's first run binds (see Gpu.compile). */
const STAND_IN_BYTES = 1024;
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

/** Work waiting for the next flush, in order; recordings hold the same steps, already bound. */
type Step =
  | {
      kind: 'dispatch';
      kernel: string;
      pipeline: GPUComputePipeline | Promise<GPUComputePipeline>;
      /** The uniform block, bound at @binding(0) when the step is bound. */
      params?: ArrayBuffer;
      entries: GPUBindGroupEntry[];
      workgroups: [number, number, number];
    }
  | BoundStep;

type BoundStep =
  | {
      kind: 'bound';
      kernel: string;
      pipeline: GPUComputePipeline;
      bindGroup: GPUBindGroup;
      workgroups: [number, number, number];
    }
  | { kind: 'copy'; from: GPUBuffer; to: GPUBuffer; bytes: number };

/** A dispatch's pipeline and bindings, as compile() runs it once. */
interface KernelRun {
  kernel: string;
  pipeline: GPUComputePipeline;
  entries: GPUBindGroupEntry[];
}

/** Told how many of a new recording's kernels have compiled (run once), of how many. */
export type CompileListener = (done: number, total: number) => void;

/** What a Gpu collects while recording: its steps, and the pool that holds the recording's buffers. */
interface Recorder {
  steps: Step[];
  pool: RecordingPool;
}

/**
 * Dispatches recorded once, with their pipelines, bind groups, uniforms and intermediate
 * buffers made and kept, and replayed by Gpu.replay(): a replay adds no GPU object and costs
 * the encoding of its dispatches only. Made by Gpu.record().
 */
export class Recording {
  private destroyed = false;

  /** @internal */
  constructor(
    readonly steps: readonly BoundStep[],
    private readonly pool: RecordingPool,
    private readonly uniforms: GPUBuffer | null,
  ) {}

  /** How many dispatches one replay runs. */
  get dispatchCount(): number {
    return this.steps.filter((s) => s.kind === 'bound').length;
  }

  /** Bytes of GPU memory the recording keeps (its intermediates and uniforms). */
  get bytes(): number {
    return this.pool.bytes + (this.uniforms?.size ?? 0);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Returns the recording's buffers to the pool; replays recorded before stay valid (queue order). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.dispose();
    this.uniforms?.destroy();
  }
}

/**
 * Recordings kept by key (an input shape), the least recently used destroyed past `keep`:
 * what a model keeps of the recorded work of its last few shapes.
 */
export class RecordingCache<T extends { recording: Recording }> {
  private readonly kept = new Map<string, T>();

  constructor(private readonly keep: number) {}

  /** The entry for `key`, made by `make` (which records) where there is none. */
  async get(key: string, make: () => Promise<T>): Promise<T> {
    let entry = this.kept.get(key);
    if (entry) this.kept.delete(key);
    else entry = await make();
    this.kept.set(key, entry);
    for (const [k, old] of this.kept) {
      if (this.kept.size <= this.keep) break;
      old.recording.destroy();
      this.kept.delete(k);
    }
    return entry;
  }

  destroy(): void {
    for (const entry of this.kept.values()) entry.recording.destroy();
    this.kept.clear();
  }
}

export class Gpu {
  readonly pipelines: PipelineCache;
  readonly pool: BufferPool;
  readonly hasTimestamps: boolean;
  /** Whether the device has 'shader-f16': f16 tensors and the kernels' f16 storage path. */
  readonly hasF16: boolean;
  private steps: Step[] = [];
  private pendingUniforms: GPUBuffer[] = [];
  private pendingReleases: Tensor[] = [];
  private recorder: Recorder | null = null;
  private layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private placeholderTensor: Tensor | null = null;
  /** Pipelines that have run once on this device (see compile()). */
  private compiled = new WeakSet<GPUComputePipeline>();
  private compileListeners = new Set<CompileListener>();
  /** compile()'s storage buffers, one per binding number (a bind group may not alias a writable one). */
  private standIns: GPUBuffer[] = [];
  private fatal: Error | null = null;
  private timing: Timing | null = null;
  private destroyed = false;
  /**
   * Whether tiled kernels split their reduction where their grid would leave a GPU idle
   * (kernels/common.ts splitKFor); benchmarks turn it off to compare.
   */
  splitK = true;

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

  /** Whether dispatches are being recorded (Gpu.record) rather than queued for the next flush. */
  get recording(): boolean {
    return this.recorder !== null;
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
    return this.tensorFrom(this.recorder?.pool ?? this.pool, shape, dtype, label);
  }

  private tensorFrom(pool: TensorPool, shape: readonly number[], dtype: DType, label?: string): Tensor {
    if (dtype === 'f16' && !this.hasF16) throw new Error(`tensor [${shape}]: f16 needs the adapter's shader-f16`);
    const bytes = bytesOf(elementCount(shape), dtype);
    if (bytes > this.device.limits.maxBufferSize) {
      throw new Error(
        `tensor [${shape}] needs ${bytes} bytes, over the adapter's maxBufferSize ${this.device.limits.maxBufferSize}`,
      );
    }
    return new Tensor(this, shape, dtype, pool.acquire(bytes, STORAGE, label), pool);
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

  /**
   * A 4-element tensor bound where a kernel's optional input is absent: one per context, made
   * outside any recording so that recordings may share it.
   */
  get placeholder(): Tensor {
    this.check();
    if (!this.placeholderTensor) {
      this.placeholderTensor = this.tensorFrom(this.pool, [4], 'f32', 'placeholder');
      this.device.queue.writeBuffer(this.placeholderTensor.buffer, 0, new Float32Array(4));
    }
    return this.placeholderTensor;
  }

  /**
   * Calls `listener` as the kernels of a new recording compile (see compile()): with 0 of
   * `total` first, then after each. Returns the function that stops it.
   */
  onCompile(listener: CompileListener): () => void {
    this.compileListeners.add(listener);
    return () => this.compileListeners.delete(listener);
  }

  /** Records a dispatch; it runs at the next flush() (or at each replay of the recording being made). */
  dispatch(d: Dispatch): void {
    this.check();
    if (!this.recorder && d.pipeline instanceof Promise)
      throw new Error(`${d.kernel}: a pipeline still compiling can only be dispatched while recording`);
    const entries: GPUBindGroupEntry[] = [];
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
    const workgroups: [number, number, number] = [d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1];
    const step: Step = { kind: 'dispatch', kernel: d.kernel, pipeline: d.pipeline, entries, workgroups };
    if (this.recorder) {
      step.params = d.params;
      this.recorder.steps.push(step);
      return;
    }
    if (d.params) {
      const uniform = this.pool.acquire(d.params.byteLength, UNIFORM, 'params');
      this.device.queue.writeBuffer(uniform, 0, d.params);
      this.pendingUniforms.push(uniform);
      entries.unshift({ binding: 0, resource: { buffer: uniform, size: d.params.byteLength } });
    }
    this.steps.push(step);
  }

  /** Copies `from` into `to` (tensors of the same byte length) in order with the dispatches around it. */
  copy(from: Tensor, to: Tensor): void {
    this.check();
    if (from.byteLength !== to.byteLength)
      throw new Error(`copy: ${from.byteLength} bytes [${from.shape}] into ${to.byteLength} bytes [${to.shape}]`);
    (this.recorder?.steps ?? this.steps).push({
      kind: 'copy',
      from: from.buffer,
      to: to.buffer,
      bytes: from.byteLength,
    });
  }

  /**
   * Returns a scratch tensor to the pool once the dispatches recorded so far are submitted (so
   * that no write from the CPU reaches it before they run); while recording, at once.
   */
  releaseAfterFlush(t: Tensor): void {
    if (this.recorder) t.release();
    else this.pendingReleases.push(t);
  }

  /**
   * Records what `work` dispatches instead of running it, and returns the recording and what
   * `work` returned (tensors it made belong to the recording: a replay writes them again, and
   * they live until the recording is destroyed). Inside `work`, writes from the CPU and reads
   * are refused: a replay would not repeat them.
   */
  async record<T>(work: () => Promise<T>): Promise<{ recording: Recording; result: T }> {
    this.check();
    if (this.recorder) throw new Error('Gpu.record: already recording');
    await this.flush();
    const recorder: Recorder = { steps: [], pool: new RecordingPool(this.pool) };
    this.recorder = recorder;
    let result: T;
    try {
      result = await work();
      this.releasePending();
    } catch (e) {
      this.recorder = null;
      this.pendingReleases = [];
      recorder.pool.dispose();
      throw e;
    }
    this.recorder = null;
    let pipelines: (GPUComputePipeline | null)[];
    try {
      pipelines = await Promise.all(recorder.steps.map((s) => (s.kind === 'dispatch' ? s.pipeline : null)));
    } catch (e) {
      recorder.pool.dispose();
      throw e;
    }
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    let uniformBytes = 0;
    const offsets = recorder.steps.map((s) => {
      if (s.kind !== 'dispatch' || !s.params) return -1;
      const at = Math.ceil(uniformBytes / align) * align;
      uniformBytes = at + s.params.byteLength;
      return at;
    });
    let uniforms: GPUBuffer | null = null;
    if (uniformBytes > 0) {
      const packed = new Uint8Array(uniformBytes);
      recorder.steps.forEach((s, i) => {
        if (s.kind === 'dispatch' && s.params) packed.set(new Uint8Array(s.params), offsets[i]);
      });
      uniforms = this.device.createBuffer({ size: packed.byteLength, usage: UNIFORM, label: 'recorded params' });
      this.device.queue.writeBuffer(uniforms, 0, packed);
    }
    const validation: Promise<void>[] = [];
    const runs: KernelRun[] = [];
    this.device.pushErrorScope('validation');
    const steps = recorder.steps.map((s, i): BoundStep => {
      if (s.kind !== 'dispatch') return s;
      const entries = s.params
        ? [{ binding: 0, resource: { buffer: uniforms!, offset: offsets[i], size: s.params.byteLength } }, ...s.entries]
        : s.entries;
      const pipeline = pipelines[i]!;
      runs.push({ kernel: s.kernel, pipeline, entries });
      return {
        kind: 'bound',
        kernel: s.kernel,
        pipeline,
        bindGroup: this.bind({ kernel: s.kernel, pipeline }, entries, validation),
        workgroups: s.workgroups,
      };
    });
    validation.push(this.scopeError(`recording of ${steps.length} steps`));
    const recording = new Recording(steps, recorder.pool, uniforms);
    try {
      await Promise.all(validation);
      await this.compile(runs);
    } catch (e) {
      recording.destroy();
      throw e;
    }
    return { recording, result };
  }

  /**
   * Runs each pipeline of `steps` that has not run on this device yet once, one workgroup on
   * stand-in storage buffers (the kernel's own uniforms), waiting for each, and tells the
   * onCompile listeners. Drivers that compile a pipeline's code when it first runs
   * (lavapipe) do it here, where progress can be shown, instead of inside the first real
   * submit; the stand-ins leave every real buffer untouched (bounds-checked access keeps the
   * one workgroup within them).
   */
  private async compile(runs: readonly KernelRun[]): Promise<void> {
    const fresh = new Map<GPUComputePipeline, KernelRun>();
    for (const r of runs) if (!this.compiled.has(r.pipeline) && !fresh.has(r.pipeline)) fresh.set(r.pipeline, r);
    if (!fresh.size) return;
    const tell = (done: number) => {
      for (const listener of this.compileListeners) listener(done, fresh.size);
    };
    tell(0);
    let done = 0;
    for (const [pipeline, s] of fresh) {
      const layout = this.layoutOf(pipeline);
      const entries: GPUBindGroupEntry[] = s.entries.map((e) =>
        e.binding === 0 ? e : { binding: e.binding, resource: { buffer: this.standIn(e.binding) } },
      );
      this.device.pushErrorScope('validation');
      const bindGroup = this.device.createBindGroup({ layout, entries, label: `${s.kernel} (first run)` });
      const encoder = this.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(1);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      const checked = this.scopeError(`${s.kernel}: first run`);
      await this.device.queue.onSubmittedWorkDone();
      await checked;
      this.compiled.add(pipeline);
      tell(++done);
    }
  }

  private standIn(binding: number): GPUBuffer {
    return (this.standIns[binding] ??= this.device.createBuffer({
      size: STAND_IN_BYTES,
      usage: STORAGE,
      label: `stand-in ${binding}`,
    }));
  }

  /** Queues a recording's dispatches for the next flush. */
  replay(recording: Recording): void {
    this.check();
    if (recording.isDestroyed) throw new Error('Gpu.replay: the recording was destroyed');
    if (this.recorder) throw new Error('Gpu.replay: not inside a recording');
    for (const s of recording.steps) this.steps.push(s);
  }

  private layoutOf(pipeline: GPUComputePipeline): GPUBindGroupLayout {
    let layout = this.layouts.get(pipeline);
    if (!layout) this.layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
    return layout;
  }

  /** A dispatch's bind group (with an error scope of its own in debug mode). */
  private bind(
    s: { kernel: string; pipeline: GPUComputePipeline },
    entries: GPUBindGroupEntry[],
    validation: Promise<void>[],
  ): GPUBindGroup {
    if (this.debug) this.device.pushErrorScope('validation');
    const group = this.device.createBindGroup({ layout: this.layoutOf(s.pipeline), entries, label: s.kernel });
    if (this.debug) validation.push(this.scopeError(s.kernel));
    return group;
  }

  private scopeError(what: string): Promise<void> {
    return this.device.popErrorScope().then((e) => {
      if (e) throw new Error(`${what}: ${e.message}`);
    });
  }

  /** Returns what was released for after the flush to its pool. */
  private releasePending(): void {
    for (const t of this.pendingReleases) t.release();
    this.pendingReleases = [];
  }

  /**
   * Submits everything recorded so far (dispatches in compute passes, copies between them) as
   * one command buffer. Inside Gpu.record it submits nothing and only returns released
   * tensors to the recording's pool.
   */
  async flush(): Promise<void> {
    this.check();
    if (this.recorder) {
      this.releasePending();
      return;
    }
    const steps = this.steps;
    const validation: Promise<void>[] = [];
    this.steps = [];
    if (steps.length) {
      // One error scope for the whole submit (the debug option adds one per bind group); none
      // where every dispatch comes from a recording, whose bind groups were checked when made.
      const fresh = steps.some((s) => s.kind === 'dispatch');
      if (fresh) this.device.pushErrorScope('validation');
      const bound = fresh ? steps.map((s) => (s.kind === 'dispatch' ? this.bound(s, validation) : s)) : steps;
      const encoder = this.device.createCommandEncoder();
      this.encode(encoder, bound as BoundStep[]);
      this.device.queue.submit([encoder.finish()]);
      if (fresh) validation.push(this.scopeError(`submit of ${steps.length} steps`));
    }
    // Queue order makes the uniform buffers safe to rewrite by later dispatches.
    for (const u of this.pendingUniforms) this.pool.release(u);
    this.pendingUniforms = [];
    this.releasePending();
    await Promise.all(validation);
  }

  private bound(s: Step & { kind: 'dispatch' }, validation: Promise<void>[]): BoundStep {
    // dispatch() takes pipelines still compiling only while recording.
    const pipeline = s.pipeline as GPUComputePipeline;
    return {
      kind: 'bound',
      kernel: s.kernel,
      pipeline,
      bindGroup: this.bind({ kernel: s.kernel, pipeline }, s.entries, validation),
      workgroups: s.workgroups,
    };
  }

  /** Encodes steps in order: runs of dispatches share a compute pass (one each when profiling). */
  private encode(encoder: GPUCommandEncoder, steps: readonly BoundStep[]): void {
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
    const perDispatch = timing?.dispatches ?? null;
    let pass: GPUComputePassEncoder | null = null;
    let pipeline: GPUComputePipeline | null = null;
    for (const s of steps) {
      if (s.kind === 'copy') {
        pass?.end();
        pass = null;
        encoder.copyBufferToBuffer(s.from, 0, s.to, 0, s.bytes);
        continue;
      }
      if (!pass) {
        // Profiling: one timed pass per dispatch (passes end with a barrier, so times add up).
        if (perDispatch && timing!.passes < MAX_TIMED_PASSES)
          perDispatch.push({ kernel: s.kernel, workgroups: s.workgroups });
        pass = encoder.beginComputePass(timedPass());
        pipeline = null;
      }
      if (s.pipeline !== pipeline) pass.setPipeline((pipeline = s.pipeline));
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1], s.workgroups[2]);
      if (perDispatch) {
        pass.end();
        pass = null;
      }
    }
    pass?.end();
  }

  /** Flushes and waits until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    await this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  /**
   * Reads `bytes` of a buffer back: the copy is submitted with everything recorded before it
   * at once, so work recorded after this call runs while the read waits.
   */
  async readBuffer(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.check();
    if (this.recorder) throw new Error('Gpu.readBuffer: reads are not recorded (read after the replay)');
    const staging = this.pool.acquire(bytes, MAP_READ_DST, 'readback');
    this.steps.push({ kind: 'copy', from: buffer, to: staging, bytes: Math.ceil(bytes / 4) * 4 });
    const flushed = this.flush();
    const mapped = staging.mapAsync(GPUMapMode.READ, 0, staging.size);
    try {
      await flushed;
      await mapped;
    } catch (e) {
      await mapped.catch(() => {});
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
