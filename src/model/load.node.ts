// Backbone weights from the command line: a weight file on disk, or `random:SEED`.
import { readWeightFile } from '../weights/files.node.js';
import { type BackboneWeights, backboneWeights, syntheticBackbone } from './backbone.js';

/** Reads and validates a weight file, or for `random:SEED` builds synthetic ResNet-50 weights. */
export function readBackboneWeights(weights: string): BackboneWeights {
  const random = /^random:(\d+)$/.exec(weights);
  if (random) return syntheticBackbone(Number(random[1]));
  return backboneWeights(readWeightFile(weights), weights);
}
