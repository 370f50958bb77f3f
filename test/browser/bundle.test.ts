// The library bundles (dist/browser/webgpu-transfer.js and its internals, built by `npm run build`) as a browser
// demo uses it: a device from navigator.gpu in the browser project (from dawn.node in the node
// project), a GEMM against the float64 reference, and predictions of a saved model given as
// bytes, against the bundle's own backbone features through the head computed on the CPU.
// (ResNet-50's parity with PyTorch runs in both projects in resnet.test.ts.)
import { describe, expect, it } from 'vitest';
import type * as Library from '../../src/internals.js';
import type * as PublicApi from '../../src/index.js';
import { IN_BROWSER, fixture, randomArray, rng, seedNote } from '../support/helpers.js';
import { modelSettings } from '../support/model-settings.js';

const BUNDLE = '../../dist/browser/webgpu-transfer-internals.js';
const PUBLIC_BUNDLE = '../../dist/browser/webgpu-transfer.js';
const inBrowser = IN_BROWSER;

async function loadBundle(): Promise<typeof Library> {
  try {
    return (await import(/* @vite-ignore */ BUNDLE)) as typeof Library;
  } catch (e) {
    throw new Error(`${BUNDLE} did not load (run npm run build first): ${(e as Error).message}`, { cause: e });
  }
}

const lib = await loadBundle();

describe('the public bundle', () => {
  it('holds the documented API, and not the internals', async () => {
    const api = (await import(/* @vite-ignore */ PUBLIC_BUNDLE)) as typeof PublicApi;
    for (const name of ['Backbone', 'Classifier', 'Gpu', 'SETTINGS', 'RECIPES', 'caption', 'InputError'] as const)
      expect(api[name], name).toBeDefined();
    for (const name of ['gemm', 'conv2d', 'Head', 'reference', 'syntheticBackbone'])
      expect((api as Record<string, unknown>)[name], name).toBeUndefined();
  });
});

describe(`the library bundle (${inBrowser ? 'browser' : 'node'})`, () => {
  let gpu: Library.Gpu;
  const random = rng();

  it('gets a device and runs a GEMM within 1e-5 of float64', async () => {
    gpu = await lib.Gpu.create({ log: false });
    if (inBrowser) expect(navigator.gpu).toBeDefined();
    const [M, N, K] = [37, 70, 53];
    const a = randomArray(M * K, random),
      b = randomArray(N * K, random),
      bias = randomArray(N, random);
    const out = await lib.gemm(gpu, gpu.upload(a, [M, K]), gpu.upload(b, [N, K]), {
      transB: true,
      bias: gpu.upload(bias),
      relu: true,
    });
    const want = lib.reference.gemmRef(a, b, M, N, K, { transB: true, bias, relu: true });
    expect(lib.reference.relativeError(await out.read(), want), seedNote()).toBeLessThanOrEqual(1e-5);
  });

  it('predicts through Classifier with a saved model given as bytes, like the head on the CPU', async () => {
    const shape = { features: 2048, hidden: 16, classes: 3 };
    const classes = ['alien', 'predator', 'xenomorph'];
    const head = lib.initHead(shape, 11);
    const shapes = lib.headShapes(shape);
    const headBytes = lib.serializeSafetensors(
      new Map(lib.HEAD_PARAMETERS.map((k) => [k, { dtype: 'float32' as const, shape: shapes[k], data: head[k] }])),
    );
    const modelJson = JSON.stringify({
      format: lib.MODEL_FORMAT,
      ...modelSettings(shape, classes),
      head: { ...shape, file: 'head.safetensors', sha256: await lib.sha256Hex(headBytes) },
    });
    await expect(lib.savedModelFromBytes(modelJson, headBytes.slice(1))).rejects.toThrow(/does not match model.json/);
    const saved = await lib.savedModelFromBytes(modelJson, headBytes);

    const images = [
      [300, 200],
      [150, 251],
    ].map(([width, height]) => ({
      width,
      height,
      data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256)),
    }));
    const backbone = lib.syntheticBackbone(5);
    // The library's high-level API, as a page or program embedding the bundle uses it.
    const net = await lib.Backbone.load(backbone, { gpu });
    const classifier = lib.Classifier.fromSaved(net, saved);
    const predictions = await classifier.predict(images);
    const probabilities = Float32Array.from(predictions.flatMap((p) => classes.map((c) => p.probabilities[c])));
    expect(predictions.map((p) => p.caption)).toEqual(
      [0, 1].map((i) => lib.caption(probabilities.subarray(3 * i, 3 * i + 3), classes)),
    );
    classifier.dispose();
    net.dispose();

    // The same images through the bundle's resize and backbone, then the head in float64.
    const model = lib.loadBackbone(gpu, backbone);
    const input = await lib.augmentBatch(
      gpu,
      images.map((img) => lib.resizeFor(lib.PREPROCESSING, img)),
      images.map(() => lib.IDENTITY),
      { ...lib.PREPROCESSING, fill: 'constant' },
    );
    const features = await (await model.forward(input)).features.read();
    model.destroy();
    const { gemmRef, softmaxRef, relativeError } = lib.reference;
    const hidden = gemmRef(features, head['fc1.weight'], 2, 16, 2048, {
      transB: true,
      bias: head['fc1.bias'],
      relu: true,
    });
    const want = softmaxRef(
      gemmRef(hidden, head['fc2.weight'], 2, 3, 16, { transB: true, bias: head['fc2.bias'] }),
      2,
      3,
    );
    expect(relativeError(probabilities, want), seedNote()).toBeLessThanOrEqual(1e-5);
    expect(lib.caption(probabilities.subarray(0, 3), classes)).toMatch(/^\d+% \w+, \d+% \w+, \d+% \w+$/);
    gpu.destroy();
  }, 600_000);

  it.runIf(inBrowser)(
    "takes the page's image types: ImageData, canvases, ImageBitmap, <img>, VideoFrame, Blob",
    async () => {
      const [w, h] = [5, 3];
      const rgba = new Uint8ClampedArray(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 53) % 256));
      const want = lib.rgbFromRgba(rgba, w, h);
      const canvas = document.createElement('canvas');
      Object.assign(canvas, { width: w, height: h });
      canvas.getContext('2d')!.putImageData(new ImageData(rgba, w, h), 0, 0);
      const offscreen = new OffscreenCanvas(w, h);
      offscreen.getContext('2d')!.putImageData(new ImageData(rgba, w, h), 0, 0);
      const png = await offscreen.convertToBlob({ type: 'image/png' });
      const img = new Image();
      img.src = URL.createObjectURL(png);
      await img.decode();
      const inputs: [string, Library.ImageInput][] = [
        ['ImageData', new ImageData(rgba, w, h)],
        ['HTMLCanvasElement', canvas],
        ['OffscreenCanvas', offscreen],
        ['ImageBitmap', await createImageBitmap(png, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' })],
        ['HTMLImageElement', img],
        ['Blob', png],
        ['bytes', new Uint8Array(await png.arrayBuffer())],
      ];
      for (const [name, input] of inputs) expect(await lib.toRgbImage(input, name), name).toEqual(want);
      // A VideoFrame of the canvas: its pixels pass through the video path's colour handling, so
      // only its size and rough colours are checked.
      const frame = new VideoFrame(offscreen, { timestamp: 0 });
      const fromFrame = await lib.toRgbImage(frame, 'VideoFrame');
      frame.close();
      expect([fromFrame.width, fromFrame.height]).toEqual([w, h]);
      fromFrame.data.forEach((v, i) => expect(Math.abs(v - want.data[i]), `VideoFrame value ${i}`).toBeLessThan(8));
      await expect(lib.toRgbImage(document.createElement('div') as never, 'div')).rejects.toThrow(
        /div: a HTMLDivElement is not an image/,
      );
    },
  );

  it.runIf(inBrowser)('decodes PNGs with the browser and JPEGs like PIL, into RGB', async () => {
    const canvas = new OffscreenCanvas(3, 2);
    const context = canvas.getContext('2d')!;
    const rgba = new Uint8ClampedArray(3 * 2 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    context.putImageData(new ImageData(rgba, 3, 2), 0, 0);
    const image = await lib.decodeInBrowser(await canvas.convertToBlob({ type: 'image/png' }));
    expect(image).toEqual(lib.rgbFromRgba(rgba, 3, 2));
    expect(Array.from(image.data.subarray(0, 6))).toEqual([0, 37, 74, 148, 185, 222]);
    // PIL's decode of the same JPEG, stored losslessly as PNG by tools/make-jpeg-fixtures.py.
    const blob = async (name: string) => new Blob([(await fixture(name)) as Uint8Array<ArrayBuffer>]);
    const jpeg = await lib.decodeInBrowser(await blob('jpeg/baseline-420.jpg'));
    const pil = await lib.decodeInBrowser(await blob('jpeg/baseline-420.rgb.png'));
    expect(jpeg.width * jpeg.height).toBeGreaterThan(100);
    expect(jpeg).toEqual(pil);
    await expect(lib.decodeInBrowser((await blob('jpeg/baseline-420.jpg')).slice(0, 300), 'cut.jpg')).rejects.toThrow(
      /^cut\.jpg: corrupt or unsupported JPEG/,
    );
  });

  it.runIf(inBrowser)('decodes BMP, GIF and WebP as PIL does (tools/make-format-fixtures.py)', async () => {
    const pil = JSON.parse(new TextDecoder().decode(await fixture('formats/expected.json'))) as Record<
      string,
      { size: [number, number]; rgb: number[] }
    >;
    const worst: Record<string, number> = {};
    for (const [name, want] of Object.entries(pil)) {
      const image = await lib.decodeInBrowser(
        new Blob([(await fixture(`formats/${name}`)) as Uint8Array<ArrayBuffer>]),
      );
      expect([image.width, image.height], name).toEqual(want.size);
      worst[name] = Math.max(...want.rgb.map((v, i) => Math.abs(v - image.data[i])));
    }
    // Lossless formats to the bit; lossy WebP by Chromium's libwebp within a step of PIL's.
    const { 'lossy.webp': lossy, ...lossless } = worst;
    expect(
      Object.values(lossless).every((d) => d === 0),
      JSON.stringify(worst),
    ).toBe(true);
    expect(lossy).toBeLessThanOrEqual(1);
  });
});
