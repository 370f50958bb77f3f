// The internals' Node entry (`webgpu-transfer/internals` under Node): the Node entry's files
// and folders with everything below the public API.
export * from './index.node.js';
export * from './internals.js';
