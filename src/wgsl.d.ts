// A `.wgsl` import is the shader with its #includes expanded (tools/wgsl-include.mjs, run by
// the esbuild build and by vitest), and the line map that compile errors are reported through.
declare module '*.wgsl' {
  const source: import('./gpu/shader.js').WgslSource;
  export default source;
}
