// A pretrained backbone loaded once and shared by any number of classifiers: its weights on
// the host, its inference model (batchnorm folded) on the GPU, built on first use and kept.
import { DisposedError, InputError } from '../errors.js';
import { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import { type BackboneWeights, backboneFromBytes, loadBackbone, syntheticBackbone } from '../model/backbone.js';
import type { ResNet } from '../model/resnet.js';
import { host } from './host.js';

/** 'random:SEED', a path (Node) or URL, a weight file's bytes, or weights already parsed. */
export type BackboneSource = string | URL | Uint8Array | ArrayBuffer | BackboneWeights;

export interface BackboneOptions {
  /** The GPU to run on (shared with other work); by default the backbone makes its own and destroys it in dispose(). */
  gpu?: Gpu;
  /** The name weight bytes go by in errors and in model.json (default 'bytes'). */
  name?: string;
}

export class Backbone {
  /** The inference models built so far, one per precision. */
  private readonly inference = new Map<Precision, ResNet>();
  private disposed = false;

  private constructor(
    private readonly device: Gpu,
    readonly weights: BackboneWeights,
    private readonly ownsGpu: boolean,
  ) {}

  /** Loads and validates backbone weights (safetensors, torchvision .pth, Keras .h5, or random:SEED). */
  static async load(source: BackboneSource, options: BackboneOptions = {}): Promise<Backbone> {
    const weights = await resolveSource(source, options.name ?? 'bytes');
    const gpu = options.gpu ?? (await Gpu.create({ log: false }));
    return new Backbone(gpu, weights, !options.gpu);
  }

  get gpu(): Gpu {
    this.check();
    return this.device;
  }

  /** The inference-mode model of these weights on the GPU at `precision` (default f32), built once. */
  model(precision: Precision = 'f32'): ResNet {
    this.check();
    let model = this.inference.get(precision);
    if (!model) {
      model = loadBackbone(this.device, this.weights, precision);
      this.inference.set(precision, model);
    }
    return model;
  }

  /** Frees the GPU model (and the GPU, when the backbone made it). Classifiers on it must be disposed first. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const model of this.inference.values()) model.destroy();
    this.inference.clear();
    if (this.ownsGpu) this.device.destroy();
  }

  check(): void {
    if (this.disposed) throw new DisposedError('Backbone');
  }
}

async function resolveSource(source: BackboneSource, name: string): Promise<BackboneWeights> {
  if (source instanceof Uint8Array) return backboneFromBytes(source, name);
  if (source instanceof ArrayBuffer) return backboneFromBytes(new Uint8Array(source), name);
  if (source instanceof URL) return backboneFromBytes(await host().read(source.href), source.href);
  if (typeof source === 'string') {
    const random = /^random:(\d+)$/.exec(source);
    if (random) return syntheticBackbone(Number(random[1]));
    return backboneFromBytes(await host().read(source), source);
  }
  if (source && typeof source === 'object' && 'spec' in source && 'tensors' in source) return source;
  throw new InputError('Backbone.load: give random:SEED, a path or URL, weight file bytes, or BackboneWeights');
}
