import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Gpu } from '../../src/gpu/context.js';
import { pipelineKey } from '../../src/gpu/pipelines.js';
import { inlineWgsl, withStructs } from '../../src/gpu/shader.js';
import { wgslStruct } from '../../src/gpu/layout.js';
import { gemm } from '../../src/kernels/gemm.js';
import type { Tensor } from '../../src/gpu/tensor.js';
import { ResNet } from '../../src/model/resnet.js';
import { syntheticBackbone } from '../../src/model/backbone.js';
import { syntheticImages } from '../../src/model/synthetic.js';
import { relativeError } from '../../src/reference/cpu.js';
import { TOLERANCE, poisoned, randomArray, rng, useGpu } from '../support/helpers.js';

/** Counts the GPU objects a device makes from now on (buffers apart). */
function countCreations(device: GPUDevice): { count: () => number; buffers: () => number } {
  let count = 0,
    buffers = 0;
  const methods = [
    'createBuffer',
    'createBindGroup',
    'createBindGroupLayout',
    'createComputePipeline',
    'createComputePipelineAsync',
    'createShaderModule',
    'createQuerySet',
  ] as const;
  for (const name of methods) {
    const original = device[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(device, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        count++;
        if (name === 'createBuffer') buffers++;
        return original.apply(device, args);
      },
    });
  }
  return { count: () => count, buffers: () => buffers };
}

const ctx = useGpu();

describe('gpu runtime', () => {
  it('requests the adapter maximum limits and describes the adapter', () => {
    const { gpu } = ctx;
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(gpu.adapter.description.length).toBeGreaterThan(0);
  });

  it('reports WGSL compile errors with the kernel name, file and line', async () => {
    const { gpu } = ctx;
    const code = inlineWgsl(
      '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_thing;\n}',
      'shaders/broken.wgsl',
    );
    await expect(gpu.pipeline({ kernel: 'broken_kernel', code, entryPoint: 'main' })).rejects.toThrow(
      /^broken_kernel: WGSL compile error: shaders\/broken.wgsl:3:/,
    );
  });

  it('maps errors in included files and in launcher-declared structs back to their source', async () => {
    const { gpu } = ctx;
    // As tools/wgsl-include.mjs lays it out: lines 1-2 from the shader, 3-5 from an include at its line 7.
    const included = {
      file: 'shaders/k.wgsl',
      code: [
        '@group(0) @binding(0) var<uniform> p: KParams;',
        '@compute @workgroup_size(1) fn main() { let a = helper(); }',
        'fn helper() -> f32 {',
        '  return p.missing;',
        '}',
        '',
      ].join('\n'),
      map: [
        [1, 'shaders/k.wgsl', 1],
        [3, 'shaders/common/h.wgsl', 7],
      ] as [number, string, number][],
    };
    const code = withStructs(included, [wgslStruct('KParams', { present: 'f32' })]);
    expect(code.code).toContain('struct KParams {\n  present: f32,\n}');
    await expect(gpu.pipeline({ kernel: 'k', code, entryPoint: 'main' })).rejects.toThrow(
      /^k: WGSL compile error: shaders\/common\/h.wgsl:8:/,
    );
    const clash = { ...included, code: included.code + 'struct KParams { x: u32 }\n' };
    expect(() => withStructs(clash, [wgslStruct('KParams', { present: 'f32' })])).toThrow(
      /declares struct KParams itself/,
    );
  });

  it('reports a missing entry point as a pipeline error naming the kernel', async () => {
    const { gpu } = ctx;
    await expect(
      gpu.pipeline({ kernel: 'k2', code: inlineWgsl('@compute @workgroup_size(1) fn main() {}'), entryPoint: 'nope' }),
    ).rejects.toThrow(/^k2: pipeline creation failed \(nope\)/);
  });

  it('turns validation errors into errors naming the kernel: a scope per flush, per dispatch in debug', async () => {
    const code = inlineWgsl(
      '@group(0) @binding(1) var<storage, read_write> y: array<vec4f>;\n@compute @workgroup_size(1) fn main() ' +
        '{ y[0] = vec4f(1.0); }',
    );
    for (const gpu of [ctx.gpu, await Gpu.create({ log: false, debug: true })]) {
      const pipeline = await gpu.pipeline({ kernel: 'needs_16_bytes', code, entryPoint: 'main' });
      // A 1-float tensor binds 4 bytes, less than the shader's minimum binding size.
      gpu.dispatch({ kernel: 'needs_16_bytes', pipeline, buffers: [gpu.tensor([1])], workgroups: [1] });
      await expect(gpu.flush()).rejects.toThrow(gpu === ctx.gpu ? /needs_16_bytes/ : /^needs_16_bytes: /);
      if (gpu !== ctx.gpu) gpu.destroy();
    }
  });

  it('compiles each pipeline once and reuses it', async () => {
    const { gpu } = ctx;
    const spec = {
      kernel: 'once',
      code: inlineWgsl('@compute @workgroup_size(1) fn main() {}'),
      entryPoint: 'main',
      constants: {},
    };
    const [a, b] = await Promise.all([gpu.pipeline(spec), gpu.pipeline(spec)]);
    expect(a).toBe(b);
    expect(pipelineKey({ ...spec, constants: { B: 1, A: 2 } })).toBe(
      pipelineKey({ ...spec, constants: { A: 2, B: 1 } }),
    );
    // The key follows the code, not the kernel's name.
    const other = { ...spec, code: inlineWgsl('@compute @workgroup_size(2) fn main() {}') };
    expect(pipelineKey(other)).not.toBe(pipelineKey(spec));
    expect(await gpu.pipeline(other)).not.toBe(a);
  });

  it('pools buffers: repeated work with the same shapes allocates nothing new', async () => {
    const { gpu } = ctx;
    const run = async () => {
      const a = gpu.upload(new Float32Array(64 * 32), [64, 32]);
      const b = gpu.upload(new Float32Array(32 * 16), [32, 16]);
      const c = await gemm(gpu, a, b);
      await c.read();
      for (const t of [a, b, c]) t.release();
    };
    await run();
    const before = gpu.pool.allocatedBytes;
    for (let i = 0; i < 5; i++) await run();
    expect(gpu.pool.allocatedBytes).toBe(before);
  });

  it('records many dispatches per submit and measures GPU time', async () => {
    const { gpu } = ctx;
    const a = gpu.upload(new Float32Array(128 * 128).fill(1), [128, 128]);
    let c = a;
    const { wallMs, gpuMs } = await gpu.measure(async () => {
      for (let i = 0; i < 8; i++) c = await gemm(gpu, c, a);
      await gpu.flush();
    });
    expect(wallMs).toBeGreaterThan(0);
    if (gpu.hasTimestamps) expect(gpuMs).toBeGreaterThan(0);
    // 1 * 128^8 overflows nothing: each product is 128^k exactly representable in f32.
    expect((await c.read())[0]).toBe(128 ** 8);
  });

  it('times each dispatch in its own pass when asked, and the sum is the GPU time', async () => {
    const { gpu } = ctx;
    const a = gpu.upload(new Float32Array(64 * 64).fill(1), [64, 64]);
    const outs: Tensor[] = [];
    const { gpuMs, dispatches } = await gpu.measure(
      async () => {
        outs.push(await gemm(gpu, a, a));
        outs.push(await gemm(gpu, outs[0], a));
        await gpu.flush();
      },
      { perDispatch: true },
    );
    if (!gpu.hasTimestamps) {
      expect(dispatches).toBeNull();
    } else {
      expect(dispatches!.map((d) => d.kernel)).toEqual([
        expect.stringMatching(/^gemm/),
        expect.stringMatching(/^gemm/),
      ]);
      expect(dispatches!.every((d) => d.ms >= 0 && d.workgroups.every((n) => n >= 1))).toBe(true);
      expect(dispatches!.reduce((s, d) => s + d.ms, 0)).toBeCloseTo(gpuMs!, 9);
    }
    expect((await outs[1].read())[0]).toBe(64 * 64);
    for (const t of [a, ...outs]) t.release();
  });

  it('records dispatches once and replays them: every uniform in place, buffers reused, nothing new made', async () => {
    const { gpu } = ctx;
    const random = rng();
    // A chain of GEMMs of different shapes (different uniforms at their offsets), whose
    // intermediates go back to the recording's pool as soon as the next one is dispatched.
    const shapes = [7, 13, 5, 9];
    const weights = shapes.slice(1).map((n, i) => randomArray(shapes[i] * n, random));
    const w = weights.map((data, i) => gpu.upload(data, [shapes[i], shapes[i + 1]]));
    const rows = 6;
    const allocated = gpu.pool.allocatedBytes;
    const { recording, result } = await gpu.record(async () => {
      const input = gpu.tensor([rows, shapes[0]]);
      let x = input;
      for (const wi of w) {
        const y = await gemm(gpu, x, wi, { relu: true });
        if (x !== input) x.release();
        x = y;
      }
      return { input, output: x };
    });
    expect(recording.dispatchCount).toBe(3);
    const want = (a: Float32Array) => {
      let x = a;
      weights.forEach((wi, i) => {
        const [K, N] = [shapes[i], shapes[i + 1]];
        const y = new Float32Array(rows * N);
        for (let r = 0; r < rows; r++)
          for (let n = 0; n < N; n++) {
            let sum = 0;
            for (let k = 0; k < K; k++) sum += x[r * K + k] * wi[k * N + n];
            y[r * N + n] = Math.max(sum, 0);
          }
        x = y;
      });
      return x;
    };
    const made = countCreations(gpu.device);
    for (let i = 0; i < 3; i++) {
      const input = randomArray(rows * shapes[0], random);
      result.input.write(input);
      gpu.replay(recording);
      expect(relativeError(await result.output.read(), want(input))).toBeLessThanOrEqual(TOLERANCE);
    }
    // Readbacks take a pooled staging buffer the first time only.
    expect(made.count() - made.buffers()).toBe(0);
    recording.destroy();
    expect(() => gpu.replay(recording)).toThrow(/the recording was destroyed/);
    for (const t of w) t.release();
    gpu.pool.trim();
    expect(gpu.pool.allocatedBytes).toBeLessThanOrEqual(allocated);
  });

  it("compiles a recording's new kernels in parallel and runs each once on stand-ins, told to listeners", async () => {
    // A device of its own: nothing compiled on it yet.
    const gpu = await Gpu.create({ log: false });
    try {
      const random = rng();
      let inFlight = 0,
        mostInFlight = 0;
      const create = gpu.device.createComputePipelineAsync.bind(gpu.device);
      Object.defineProperty(gpu.device, 'createComputePipelineAsync', {
        configurable: true,
        value: async (descriptor: GPUComputePipelineDescriptor) => {
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          try {
            return await create(descriptor);
          } finally {
            inFlight--;
          }
        },
      });
      const heard: [number, number][] = [];
      const stop = gpu.onCompile((done, total) => heard.push([done, total]));
      // Three pipelines: gemm_vec4 with ReLU, gemm_scalar (3 columns) with a bias, gemm_vec4 plain.
      const [M, K, N1, N2] = [5, 12, 8, 3];
      const aData = randomArray(M * K, random),
        w1Data = randomArray(K * N1, random),
        w2Data = randomArray(N1 * N2, random),
        biasData = randomArray(N2, random);
      const a = gpu.upload(aData, [M, K]),
        w1 = gpu.upload(w1Data, [K, N1]),
        w2 = gpu.upload(w2Data, [N1, N2]),
        bias = gpu.upload(biasData),
        w3 = gpu.upload(randomArray(K * 4, random), [K, 4]);
      // Outputs made outside the recording, poisoned: the first runs must leave them alone.
      const out = poisoned(gpu, [M, N2]),
        side = poisoned(gpu, [M, 4]);
      const before = await out.read();
      const record = () =>
        gpu.record(async () => {
          const h = await gemm(gpu, a, w1, { relu: true });
          await gemm(gpu, h, w2, { bias, out });
          await gemm(gpu, a, w3, { out: side });
        });
      const { recording } = await record();
      expect(heard).toEqual([
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(mostInFlight).toBe(3);
      expect(Array.from(await out.read())).toEqual(Array.from(before));
      gpu.replay(recording);
      const want = new Float32Array(M * N2);
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N2; n++) {
          let sum = biasData[n];
          for (let j = 0; j < N1; j++) {
            let h = 0;
            for (let k = 0; k < K; k++) h += aData[m * K + k] * w1Data[k * N1 + j];
            sum += Math.max(h, 0) * w2Data[j * N2 + n];
          }
          want[m * N2 + n] = sum;
        }
      expect(relativeError(await out.read(), want)).toBeLessThanOrEqual(TOLERANCE);
      // The same kernels again: compiled already, nothing to tell.
      const again = await record();
      expect(heard.length).toBe(4);
      stop();
      recording.destroy();
      again.recording.destroy();
      // Outside a recording a dispatch needs its pipeline compiled.
      const pending = gpu.pipeline({
        kernel: 'k',
        code: inlineWgsl('@compute @workgroup_size(1) fn main() {}'),
        entryPoint: 'main',
      });
      expect(() => gpu.dispatch({ kernel: 'k', pipeline: pending, buffers: [out], workgroups: [1] })).toThrow(
        /k: a pipeline still compiling can only be dispatched while recording/,
      );
      await pending;
    } finally {
      gpu.destroy();
    }
  });

  it('refuses CPU writes, reads and nested recordings inside a recording', async () => {
    const { gpu } = ctx;
    const t = gpu.upload(new Float32Array(4));
    await expect(gpu.record(async () => t.write(new Float32Array(4)))).rejects.toThrow(/writes are not recorded/);
    await expect(gpu.record(() => t.read())).rejects.toThrow(/reads are not recorded/);
    await expect(gpu.record(() => gpu.record(async () => {}))).rejects.toThrow(/already recording/);
    // After a refused recording the context works as before.
    t.write(new Float32Array([1, 2, 3, 4]));
    expect(Array.from(await t.read())).toEqual([1, 2, 3, 4]);
    t.release();
  });

  it('replays a recorded ResNet forward with no GPU object made after the first', async () => {
    const { gpu } = ctx;
    const model = ResNet.load(gpu, syntheticBackbone(1));
    const size = 32;
    const images = syntheticImages(3, 2, size);
    const input = gpu.upload(images, [2, size, size, 3]);
    const first = await model.forward(input);
    const want = await first.features.read();
    first.features.release();
    first.logits?.release();
    const allocated = gpu.pool.allocatedBytes;
    const made = countCreations(gpu.device);
    for (let i = 0; i < 3; i++) {
      const out = await model.forward(input);
      expect(Array.from(await out.features.read())).toEqual(Array.from(want));
      out.features.release();
      out.logits?.release();
    }
    expect(made.count()).toBe(0);
    expect(gpu.pool.allocatedBytes).toBe(allocated);
    // embed() writes straight into the recorded input, chunk after chunk.
    const embedded = await model.embed(images, 2, { height: size, width: size, maxBatch: 1 });
    expect(relativeError(embedded.features, want)).toBeLessThanOrEqual(TOLERANCE);
    input.release();
    model.destroy();
  });

  it('turns device loss into a clear error', async () => {
    const gpu = await Gpu.create({ log: false });
    gpu.device.destroy(); // not gpu.destroy(): simulate an unexpected loss
    await gpu.device.lost;
    await new Promise((r) => setTimeout(r, 0));
    expect(() => gpu.tensor([4])).toThrow(/GPU device lost \(destroyed\)|used after destroy/);
  });

  it('a Node process exits on its own once its device is destroyed', () => {
    const script = `
      import { create, globals } from 'webgpu';
      const gpu = create([]);
      const adapter = await gpu.requestAdapter();
      const device = await adapter.requestDevice();
      device.destroy();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 30_000,
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
    });
    expect(r.error, 'the process hung').toBeUndefined();
    expect(r.status).toBe(0);
  });
});
