// The library's Node entry (`import ... from 'webgpu-transfer'` under Node): everything the
// browser entry has, with the Node host installed, so paths, model folders and dataset
// folders work (decoded on worker threads), plus the Node tools' file helpers.
import { nodeHost } from './api/host.node.js';
import { setHost } from './api/host.js';

setHost(nodeHost);

export * from './index.js';
export { nodeHost } from './api/host.node.js';
export { readImage } from './image/files.node.js';
export { decodeImage } from './image/decode.node.js';
export { readBackboneWeights, convertWeightFile, convertWeights } from './api/weights.node.js';
export { loadModel, saveModel } from './train/model-files.node.js';
export { readImageFolders, readLabelledFolder } from './data/folders.node.js';
export { DiskFeatureCache, defaultCacheDir } from './train/feature-cache.node.js';
