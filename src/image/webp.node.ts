// WebP by libwebp compiled to WebAssembly (@jsquash/webp), instantiated synchronously on first
// use so that decoding stays a plain function call (lossy WebP decodes as PIL's libwebp does,
// to the bit). The .wasm sits beside the bundle (tools/build.mjs copies it) or in node_modules.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { type RgbImage, rgbFromRgba } from './format.js';

export const WEBP_WASM = 'webp_dec.wasm';

interface WebpModule {
  decode(bytes: Uint8Array): { width: number; height: number; data: Uint8ClampedArray } | null;
}

let webp: WebpModule | null = null;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  const beside = fileURLToPath(new URL(`./${WEBP_WASM}`, import.meta.url));
  if (existsSync(beside)) return new Uint8Array(readFileSync(beside));
  return new Uint8Array(readFileSync(fileURLToPath(import.meta.resolve(`@jsquash/webp/codec/dec/${WEBP_WASM}`))));
}

function decoder(): WebpModule {
  if (webp) return webp;
  const wasm = new WebAssembly.Module(wasmBytes());
  const module = {
    noInitialRun: true,
    // A synchronous instance: emscripten then finishes setting up the module before returning.
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
      const instance = new WebAssembly.Instance(wasm, imports);
      receive(instance);
      return instance.exports;
    },
  } as unknown as WebpModule;
  void webpFactory(module as never);
  if (typeof module.decode !== 'function') throw new Error('the WebP decoder did not initialize');
  webp = module;
  return webp;
}

export function decodeWebp(bytes: Uint8Array): RgbImage {
  const image = decoder().decode(bytes);
  if (!image) throw new Error('libwebp could not decode it');
  return rgbFromRgba(image.data, image.width, image.height);
}
