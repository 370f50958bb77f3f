// Backbone weights on disk (Node): one file read and validated, or torchvision's .pth and
// Keras's .h5 converted to our safetensors. The Node entry and the tools take them from here.
export { readBackboneWeights } from '../model/load.node.js';
export { type ConvertOptions, type ConvertResult, convertWeightFile, convertWeights } from '../model/convert.node.js';
