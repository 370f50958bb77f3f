// jsfive ships no types; the little of it src/weights/h5.ts uses.
declare module 'jsfive' {
  export class File {
    constructor(buffer: ArrayBuffer, filename?: string);
    attrs: Record<string, unknown>;
    get(path: string): unknown;
  }
}
