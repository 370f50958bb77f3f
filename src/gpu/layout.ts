// WGSL structs declared once in TypeScript: one declaration yields the struct's WGSL text and
// the packer that writes values at WGSL's offsets (host-shareable layout: scalars 4-byte
// aligned, vec2 8, vec3 and vec4 16; a struct aligned to its largest member and sized to a
// multiple of that). Launchers pack uniforms and storage records through these only.

const TYPES = {
  u32: { kind: 'u32', count: 1, align: 4 },
  i32: { kind: 'i32', count: 1, align: 4 },
  f32: { kind: 'f32', count: 1, align: 4 },
  vec2u: { kind: 'u32', count: 2, align: 8 },
  vec2f: { kind: 'f32', count: 2, align: 8 },
  vec4u: { kind: 'u32', count: 4, align: 16 },
  vec4f: { kind: 'f32', count: 4, align: 16 },
} as const;

export type WgslType = keyof typeof TYPES;

type ScalarType = 'u32' | 'i32' | 'f32';
/** A field's value: a number for scalars, numbers (up to the vector's width, the rest zero) for vectors. */
export type FieldValue<T extends WgslType> = T extends ScalarType ? number : readonly number[];
export type StructValues<F extends Record<string, WgslType>> = { readonly [K in keyof F]: FieldValue<F[K]> };

interface Field {
  name: string;
  type: WgslType;
  offset: number;
}

const roundUp = (n: number, multiple: number) => Math.ceil(n / multiple) * multiple;

export class StructLayout<F extends Record<string, WgslType>> {
  readonly fields: readonly Field[];
  /** Byte size of one struct (a multiple of its alignment, as in an array of them). */
  readonly size: number;
  readonly align: number;
  /** `struct Name { field: type, ... }` */
  readonly wgsl: string;

  constructor(
    readonly name: string,
    declaration: F,
  ) {
    let offset = 0;
    let align = 4;
    const fields: Field[] = [];
    for (const [fieldName, type] of Object.entries(declaration)) {
      const t = TYPES[type];
      if (!t) throw new Error(`struct ${name}: field ${fieldName} has unsupported type ${type}`);
      offset = roundUp(offset, t.align);
      fields.push({ name: fieldName, type, offset });
      offset += t.count * 4;
      align = Math.max(align, t.align);
    }
    if (!fields.length) throw new Error(`struct ${name} has no fields`);
    this.fields = fields;
    this.align = align;
    this.size = roundUp(offset, align);
    this.wgsl = `struct ${name} {\n${fields.map((f) => `  ${f.name}: ${f.type},`).join('\n')}\n}\n`;
  }

  /** One struct's bytes, padded to 16 so that it can back a uniform binding. */
  pack(values: StructValues<F>): ArrayBuffer {
    const buffer = new ArrayBuffer(roundUp(this.size, 16));
    this.write(new DataView(buffer), 0, values);
    return buffer;
  }

  /** An array of structs, as a `array<Name>` storage binding reads it. */
  packArray(items: readonly StructValues<F>[]): ArrayBuffer {
    const buffer = new ArrayBuffer(Math.max(1, items.length) * this.size);
    const view = new DataView(buffer);
    items.forEach((values, i) => this.write(view, i * this.size, values));
    return buffer;
  }

  private write(view: DataView, base: number, values: StructValues<F>): void {
    for (const f of this.fields) {
      const t = TYPES[f.type];
      const v = (values as Record<string, number | readonly number[] | undefined>)[f.name];
      if (v === undefined) throw new Error(`struct ${this.name}: no value for ${f.name}`);
      const list = typeof v === 'number' ? [v] : v;
      if (list.length > t.count)
        throw new Error(`struct ${this.name}: ${f.name} takes ${t.count} values, got ${list.length}`);
      list.forEach((x, i) => {
        const at = base + f.offset + 4 * i;
        if (t.kind === 'f32') view.setFloat32(at, x, true);
        else if (t.kind === 'u32') {
          if (!Number.isInteger(x) || x < 0 || x > 0xffffffff)
            throw new Error(`struct ${this.name}: ${f.name}=${x} is not a u32`);
          view.setUint32(at, x, true);
        } else {
          if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff)
            throw new Error(`struct ${this.name}: ${f.name}=${x} is not an i32`);
          view.setInt32(at, x, true);
        }
      });
    }
  }
}

/** Declares a WGSL struct: field names and types, in order. */
export function wgslStruct<F extends Record<string, WgslType>>(name: string, fields: F): StructLayout<F> {
  return new StructLayout(name, fields);
}
