// What the adapter offers, as JSON on stdout: for Dawn's default toggles, with unsafe APIs
// allowed, with f16 on NVIDIA, and with both, the adapter's info (subgroup sizes and subgroup-
// matrix configurations included), features and limits; and two latencies that bound any one
// measured wall time (the median of 20 empty queue waits and of 20 4-byte readbacks).
//   node bench/adapter-probe.mjs > adapter.json
import { performance } from 'node:perf_hooks';
import * as webgpu from 'webgpu';

const { GPUBufferUsage, GPUMapMode } = webgpu.globals;

/** An object's enumerable non-function properties, getters on its prototype included. */
function plain(o) {
  const r = {};
  for (const k in o) if (typeof o[k] !== 'function') r[k] = o[k];
  return r;
}

async function medianMs(run) {
  const times = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[10];
}

async function latency(adapter) {
  const device = await adapter.requestDevice();
  const src = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const result = {
    emptyQueueWaitMs: await medianMs(() => device.queue.onSubmittedWorkDone()),
    readback4BytesMs: await medianMs(async () => {
      const dst = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(src, 0, dst, 0, 4);
      device.queue.submit([encoder.finish()]);
      await dst.mapAsync(GPUMapMode.READ);
      dst.destroy();
    }),
  };
  device.destroy();
  return result;
}

const report = { date: new Date().toISOString() };
const instances = []; // dawn.node crashes once an instance with live objects is garbage-collected
// Dawn withholds shader-f16 (and with it f16 subgroup matrices) from NVIDIA's Vulkan driver
// unless vulkan_enable_f16_on_nvidia is set, as src/gpu/device.ts does.
const PROBES = {
  default: [],
  allowUnsafeApis: ['enable-dawn-features=allow_unsafe_apis'],
  f16OnNvidia: ['enable-dawn-features=vulkan_enable_f16_on_nvidia'],
  f16OnNvidiaAndUnsafeApis: ['enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis'],
};
for (const [key, flags] of Object.entries(PROBES)) {
  instances.push(webgpu.create(flags));
  const adapter = await instances.at(-1).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    report[key] = null;
    continue;
  }
  const info = plain(adapter.info);
  info.subgroupMatrixConfigs = (adapter.info.subgroupMatrixConfigs ?? []).map(plain);
  report[key] = { info, features: [...adapter.features].sort(), limits: plain(adapter.limits) };
  if (!flags.length) report.latency = await latency(adapter);
}
console.log(JSON.stringify(report, null, 1));
process.exit(0);
