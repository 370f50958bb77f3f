// Shader sources and their launchers: structs declared once in TypeScript (WGSL's layout rules,
// packers that refuse bad values), every kernel family compiling entry point by entry point with
// its launcher's structs, a struct that disagrees with its shader failing to compile, and the
// include step's line map.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wgslStruct } from '../../src/gpu/layout.js';
import { sourceLine, withStructs } from '../../src/gpu/shader.js';
import { GEMM_SHADERS, GemmParams } from '../../src/kernels/gemm.js';
import { AugmentParams, ImageMeta } from '../../src/kernels/augment.js';
import { KERNEL_SHADERS, entryPoints } from '../../src/kernels/shaders.js';
import { expandWgsl } from '../../tools/wgsl-include.mjs';
import { useGpu } from '../support/helpers.js';

const ctx = useGpu();

describe('struct layouts declared in TypeScript', () => {
  it("follow WGSL's alignment: vec4 at 16, vec2 at 8, size a multiple of the largest alignment", () => {
    const offsets = (s: { fields: readonly { name: string; offset: number }[] }) =>
      Object.fromEntries(s.fields.map((f) => [f.name, f.offset]));
    expect(offsets(AugmentParams)).toEqual({
      N: 0,
      OH: 4,
      OW: 8,
      fill_nearest: 12,
      bgr: 16,
      divisor: 20,
      mean: 32,
      inv_std: 48,
    });
    expect(AugmentParams.size).toBe(64);
    expect(offsets(ImageMeta)).toEqual({ offset: 0, width: 4, height: 8, a: 16, b: 32 });
    expect(ImageMeta.size).toBe(48);
    const mixed = wgslStruct('Mixed', { a: 'f32', b: 'vec2f', c: 'u32' });
    expect(offsets(mixed)).toEqual({ a: 0, b: 8, c: 16 });
    expect(mixed.size).toBe(24);
    expect(mixed.wgsl).toBe('struct Mixed {\n  a: f32,\n  b: vec2f,\n  c: u32,\n}\n');
  });

  it('packs values at those offsets, uniforms padded to 16 bytes, arrays at the struct stride', () => {
    const s = wgslStruct('S', { n: 'u32', x: 'f32', v: 'vec4f' });
    const one = s.pack({ n: 7, x: 0.5, v: [1, 2, 3] });
    expect(one.byteLength).toBe(32);
    expect(new Uint32Array(one, 0, 1)[0]).toBe(7);
    expect(Array.from(new Float32Array(one, 4, 1))).toEqual([0.5]);
    expect(Array.from(new Float32Array(one, 16, 4))).toEqual([1, 2, 3, 0]);
    const many = s.packArray([
      { n: 1, x: 0, v: [] },
      { n: 2, x: 0, v: [] },
    ]);
    expect(many.byteLength).toBe(64);
    expect(new Uint32Array(many)[8]).toBe(2);
  });

  it('refuses values that do not fit their field', () => {
    const s = wgslStruct('S', { n: 'u32', i: 'i32', v: 'vec2f' });
    expect(() => s.pack({ n: -1, i: 0, v: [] })).toThrow(/struct S: n=-1 is not a u32/);
    expect(() => s.pack({ n: 1.5, i: 0, v: [] })).toThrow(/n=1.5 is not a u32/);
    expect(() => s.pack({ n: 0, i: 2 ** 31, v: [] })).toThrow(/i=2147483648 is not an i32/);
    expect(() => s.pack({ n: 0, i: 0, v: [1, 2, 3] })).toThrow(/v takes 2 values, got 3/);
    expect(() => s.pack({ n: 0, i: 0 } as never)).toThrow(/no value for v/);
  });
});

describe('kernel shaders', () => {
  for (const [family, source] of Object.entries(KERNEL_SHADERS)) {
    it(`${family}: every entry point compiles with its launcher's structs`, async ({ skip }) => {
      const { gpu } = ctx;
      if (/^enable subgroups;/m.test(source.code) && !gpu.device.features.has('subgroups' as GPUFeatureName)) {
        skip('no subgroups on this adapter');
      }
      if (/^enable f16;/m.test(source.code) && !gpu.hasF16) skip('no shader-f16 on this adapter');
      const names = entryPoints(source);
      expect(names.length).toBeGreaterThan(0);
      for (const entryPoint of names) await gpu.pipeline({ kernel: family, code: source, entryPoint });
    });
  }

  it('shader files declare no uniform struct: each comes from its launcher', () => {
    const files = readdirSync('shaders', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.wgsl'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files)
      expect(readFileSync(join('shaders', file), 'utf8'), file).not.toMatch(/^\s*struct \w*Params\b/m);
  });

  it('fails to compile, naming the field, when a launcher struct disagrees with its shader', async () => {
    const { gpu } = ctx;
    const fields = Object.fromEntries(GemmParams.fields.filter((f) => f.name !== 'a_col').map((f) => [f.name, f.type]));
    // The composed shader without its struct and aliases, recomposed with a struct that lacks a_col.
    const source = {
      ...GEMM_SHADERS.register.f32,
      code: GEMM_SHADERS.register.f32.code
        .replace(/struct GemmParams \{[^}]*\}\n/, '')
        .replace(/alias elem4? = .*\n/g, ''),
    };
    const drifted = withStructs(source, [wgslStruct('GemmParams', fields)]);
    await expect(gpu.pipeline({ kernel: 'gemm/drifted', code: drifted, entryPoint: 'gemm_vec4' })).rejects.toThrow(
      /gemm\/drifted: WGSL compile error: shaders\/gemm_register\.wgsl:\d+:\d+: .*a_col/,
    );
  });
});

describe('the #include step', () => {
  it('expands each include once, maps every line back to its file, and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgsl-'));
    try {
      mkdirSync(join(dir, 'common'));
      writeFileSync(join(dir, 'common', 'a.wgsl'), '// a\nfn a() {}\n');
      writeFileSync(join(dir, 'common', 'b.wgsl'), '#include "a.wgsl"\nfn b() { a(); }\n');
      writeFileSync(join(dir, 'k.wgsl'), '// k\n#include "common/a.wgsl"\n#include "common/b.wgsl"\nfn k() { b(); }\n');
      const source = expandWgsl(join(dir, 'k.wgsl'), dir);
      expect(source.code).toBe('// k\n// a\nfn a() {}\nfn b() { a(); }\nfn k() { b(); }\n');
      expect([1, 2, 3, 4, 5].map((line) => sourceLine(source, line))).toEqual([
        'k.wgsl:1',
        'common/a.wgsl:1',
        'common/a.wgsl:2',
        'common/b.wgsl:2',
        'k.wgsl:4',
      ]);
      writeFileSync(join(dir, 'bad.wgsl'), '#include "common/nope.wgsl"\n');
      expect(() => expandWgsl(join(dir, 'bad.wgsl'), dir)).toThrow(/^bad\.wgsl: cannot include common\/nope\.wgsl/);
      writeFileSync(join(dir, 'loop.wgsl'), '#include "loop.wgsl"\n');
      expect(() => expandWgsl(join(dir, 'loop.wgsl'), dir)).toThrow(/#include cycle/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
