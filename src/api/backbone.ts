// A pretrained backbone loaded once and shared by any number of classifiers: its weights on
// the host, its inference model (batchnorm folded) on the GPU, built on first use and kept.
import IMAGENET_LABELS from '../model/imagenet-classes.json' with { type: 'json' };
import { DisposedError, InputError, OptionError } from '../errors.js';
import { checkOptions, described, hasUrlScheme } from './arguments.js';
import type { RgbImage } from '../image/format.js';
import { preprocess } from '../image/preprocess.js';
import { softmax } from '../kernels/softmax.js';
import { IMAGENET_CLASS_COUNT, plan } from '../model/architecture.js';
import { type FeatureCache, type ProgressSink, featureIdentity, featuresOf, withCompileNotes } from '../train/fit.js';
import { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import { type BackboneWeights, backboneFromBytes, loadBackbone, syntheticBackbone } from '../model/backbone.js';
import type { ResNet } from '../model/resnet.js';
import { host } from './host.js';

/** Where pretrained weights come from, for a name that is not a file. */
const WEIGHTS_HINT =
  'for the pretrained ResNet-50 run `npx webgpu-transfer fetch-weights` (`node dist/fetch-weights.js` in a ' +
  "clone) and load weights/resnet50.safetensors, or give 'random:SEED' for random weights";

/** Images per backbone call by default (the article's batch). */
const DEFAULT_BATCH = 32;

export interface FeaturesOptions {
  /** How the backbone stores activations (default f32). */
  precision?: Precision;
  /** Images per backbone call (default 32). */
  batchSize?: number;
  /**
   * Called with the number of images done so far, and a note while the kernels compile on
   * their first run on this machine ("compiling kernels 3/11 (once per machine)").
   */
  progress?: (done: number, note?: string) => void;
  /** Keeps features of unaugmented images across runs (Node: DiskFeatureCache). */
  cache?: FeatureCache;
}

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
    checkOptions('Backbone.load', options, ['gpu', 'name']);
    const weights = await resolveSource(source, options.name ?? 'bytes');
    const gpu = options.gpu ?? (await Gpu.create({ log: false }));
    return new Backbone(gpu, weights, !options.gpu);
  }

  get gpu(): Gpu {
    this.check();
    return this.device;
  }

  /**
   * Calls `listener` while kernels compile on their first run on this machine (drivers keep
   * them in their shader cache afterwards): with 0 of `total` first, then as each is ready.
   * Returns the function that stops it.
   */
  onCompile(listener: (done: number, total: number) => void): () => void {
    this.check();
    return this.device.onCompile(listener);
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

  /** Features per image (2048 for ResNet-50). */
  get featureSize(): number {
    return plan(this.weights.spec).featureSize;
  }

  /** Whether the weights carry the ImageNet classifier (imagenet() needs it). */
  get hasClassifier(): boolean {
    return this.weights.classifier;
  }

  /**
   * Features [n, featureSize] of images without augmentation (model.eval()), prepared as the
   * weights declare, in batches of `batchSize` with the next batch queued while one runs;
   * `progress` hears the images done, and `cache` supplies and keeps features across runs.
   */
  async features(images: readonly RgbImage[], options: FeaturesOptions = {}): Promise<Float32Array> {
    this.check();
    const precision = options.precision ?? 'f32';
    const model = this.model(precision);
    const cache = options.cache && {
      store: options.cache,
      identity: featureIdentity(this.device, this.weights, precision),
      spec: this.weights.spec,
    };
    const sink: ProgressSink = { update: (done, note) => options.progress?.(done, note), finish: () => {} };
    const notes = withCompileNotes(this.device, () => sink);
    try {
      return await featuresOf(
        this.device,
        model,
        images,
        options.batchSize ?? DEFAULT_BATCH,
        this.weights.preprocessing,
        notes.progress('features', images.length),
        cache,
      );
    } finally {
      notes.stop();
    }
  }

  /**
   * The ImageNet view of images (weights with the classifier): features, logits and each image's
   * `top` most probable ImageNet classes.
   */
  async imagenet(
    images: readonly RgbImage[],
    options: { precision?: Precision; top?: number } = {},
  ): Promise<{ features: Float32Array; logits: Float32Array; top: { label: string; probability: number }[][] }> {
    this.check();
    if (!this.weights.classifier)
      throw new InputError(`${this.weights.source}: the weights have no ImageNet classifier (fc)`);
    const model = this.model(options.precision ?? 'f32');
    const p = this.weights.preprocessing;
    const perImage = p.size * p.size * 3;
    const inputs = new Float32Array(images.length * perImage);
    images.forEach((image, i) => inputs.set(preprocess(image, p.size, p).input, i * perImage));
    const out = await model.embed(inputs, images.length, { logits: true });
    const logits = out.logits!;
    const C = IMAGENET_CLASS_COUNT;
    const probabilities = await (await softmax(this.device, this.device.upload(logits, [images.length, C]))).read();
    const top = images.map((_, i) => {
      const row = probabilities.subarray(i * C, (i + 1) * C);
      return Array.from(row.keys())
        .sort((a, b) => row[b] - row[a])
        .slice(0, options.top ?? 5)
        .map((k) => ({ label: (IMAGENET_LABELS as string[])[k], probability: row[k] }));
    });
    return { features: out.features, logits, top };
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
    const bytes = await host()
      .read(source)
      .catch((e: Error) => {
        if (hasUrlScheme(source)) throw e;
        throw new InputError(`${e.message}; ${WEIGHTS_HINT}`, { cause: e });
      });
    return backboneFromBytes(bytes, source);
  }
  if (source && typeof source === 'object' && 'spec' in source && 'tensors' in source) return source;
  throw new OptionError(
    `Backbone.load: give random:SEED, a path or URL, weight file bytes, or BackboneWeights, not ${described(source)}`,
  );
}
