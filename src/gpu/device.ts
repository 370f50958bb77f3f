// One way to get a WebGPU device: dawn.node in Node, navigator.gpu in a browser.
// The adapter's maximum limits are requested (lavapipe caps storage bindings at 128 MiB;
// real GPUs go far higher) along with the optional features we can use.

// 'subgroups' is newer than some GPUFeatureName typings, hence the cast.
const WANTED_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  /** True for software adapters (lavapipe/llvmpipe, SwiftShader): kernels pick CPU-shaped variants. */
  isCpu: boolean;
  /** The adapter's subgroup sizes when the device has 'subgroups', else 0. */
  subgroupMinSize: number;
  subgroupMaxSize: number;
}

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Print the adapter in use to stderr (default true). */
  log?: boolean;
  /**
   * Which kind of adapter the kernels are chosen for (variants, Winograd): detected by default;
   * 'gpu' on a software adapter runs the choices made for real GPUs, which the tests check here.
   */
  kernelsFor?: 'gpu' | 'cpu';
  /** Check each dispatch in its own error scope (slower; names the failing kernel). */
  debug?: boolean;
}

async function getGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  // The one place browser-safe code looks for Node: to load dawn.node when there is no navigator.gpu.
  // eslint-disable-next-line no-restricted-globals
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new Error('WebGPU is not available in this browser (navigator.gpu is missing)');
  // eslint-disable-next-line no-restricted-globals
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  // The addon's module name is hidden from bundlers for browser builds.
  const moduleName = 'webgpu';
  const webgpu = (await import(/* @vite-ignore */ moduleName)) as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  // GPUBufferUsage, GPUMapMode, ... are globals in browsers; dawn.node exports them.
  for (const [k, v] of Object.entries(webgpu.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Dawn rounds timestamps down to 2^16 ns by default (a browser's guard against timing
  // attacks); in Node they time single dispatches, so they are kept exact. Dawn also withholds
  // shader-f16 from NVIDIA's Vulkan driver for driver bugs (crbug.com/42251215); in Node the
  // feature is offered, only f16 runs use it, and the self-check tests those kernels there.
  const gpu = webgpu.create([
    'disable-dawn-features=timestamp_quantization',
    'enable-dawn-features=vulkan_enable_f16_on_nvidia',
  ]);
  // Share the instance as navigator.gpu, as in a browser (TF.js's backend looks there too).
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator)
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return gpu;
}

function describeAdapter(info: GPUAdapterInfo, hasSubgroups = false): AdapterDescription {
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const text = `${vendor} ${architecture} ${description}`.toLowerCase();
  const isCpu = /llvmpipe|lavapipe|swiftshader|software|\bcpu\b/.test(text);
  // The subgroup sizes are newer than some GPUAdapterInfo typings.
  const sizes = info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupMinSize = hasSubgroups ? (sizes.subgroupMinSize ?? 0) : 0;
  const subgroupMaxSize = hasSubgroups ? (sizes.subgroupMaxSize ?? 0) : 0;
  return { vendor, architecture, description, isCpu, subgroupMinSize, subgroupMaxSize };
}

/** The adapter's identity as results files record it. */
export function adapterIdentity(a: AdapterDescription): { vendor: string; architecture: string; description: string } {
  return { vendor: a.vendor, architecture: a.architecture, description: a.description };
}

/** One line naming the adapter, its empty fields left out: "mesa | software | llvmpipe ...". */
export function adapterLabel(a: AdapterDescription): string {
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' | ');
}

export async function requestDevice(options: DeviceOptions = {}): Promise<{
  /** The GPU instance must outlive the device: dawn.node crashes once it is garbage-collected. */
  instance: GPU;
  device: GPUDevice;
  adapter: AdapterDescription;
}> {
  const gpu = await getGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter)
    throw new Error('No WebGPU adapter found (in Node: is a Vulkan driver such as Mesa lavapipe installed?)');
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const detected = describeAdapter(adapter.info, requiredFeatures.includes('subgroups' as GPUFeatureName));
  const described = options.kernelsFor ? { ...detected, isCpu: options.kernelsFor === 'cpu' } : detected;
  if (options.log ?? true) {
    const features = requiredFeatures.length ? requiredFeatures.join(', ') : 'none';
    const forGpu = detected.isCpu && !described.isCpu ? '; kernels chosen for a GPU' : '';
    console.error(
      `webgpu: ${described.vendor} | ${described.architecture} | ${described.description} (features: ` +
        `${features}${forGpu})`,
    );
  }
  return { instance: gpu, device, adapter: described };
}
