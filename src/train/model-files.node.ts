// A trained model on disk: OUT/model.json (architecture, classes, preprocessing, head sizes,
// backbone weights' sha256, settings, history) and OUT/head.safetensors (head weights and
// Adam state). model.json is the commit point: the new head is written beside the old one
// as head.safetensors.new, then model.json (naming the new head's sha256) replaces the old
// one atomically, then the head is renamed into place. An interrupted save leaves either the
// previous model or the new one, and load() finishes a save that stopped after model.json.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_PARAMETERS, type AdamState, type HeadShape, type HeadWeights, headShapes } from '../autograd/head.js';
import { sha256, writeFileAtomic } from '../files.node.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { serializeSafetensors } from '../weights/safetensors.js';
import {
  MODEL_FORMAT,
  ModelError,
  type ModelJson,
  type SavedModel,
  parseHead,
  parseModelJson,
} from './model-format.js';

export function saveModel(
  dir: string,
  json: Omit<ModelJson, 'format' | 'head'> & { head: HeadShape },
  weights: HeadWeights,
  adam: AdamState,
): void {
  // Never over a good model with a worse-formed one: NaN weights or a model.json that would
  // not load again are refused before anything is written.
  for (const name of HEAD_PARAMETERS) {
    if (!weights[name].every(Number.isFinite)) {
      throw new ModelError(`${dir}: not saved: ${name} holds NaN or infinite values (training diverged?)`);
    }
  }
  mkdirSync(dir, { recursive: true });
  const tensors: TensorMap = new Map();
  const shapes = headShapes(json.head);
  for (const name of HEAD_PARAMETERS) tensors.set(name, { dtype: 'float32', shape: shapes[name], data: weights[name] });
  HEAD_PARAMETERS.forEach((name, i) => {
    tensors.set(`adam.m.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.m[i] });
    tensors.set(`adam.v.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.v[i] });
  });
  const bytes = serializeSafetensors(tensors, { format: MODEL_FORMAT, adam_step: String(adam.step) });
  const head = join(dir, 'head.safetensors');
  const full: ModelJson = {
    format: MODEL_FORMAT,
    ...json,
    head: { ...json.head, file: 'head.safetensors', sha256: sha256(bytes) },
  };
  const text = `${JSON.stringify(full, null, 2)}\n`;
  parseModelJson(text, `${dir} (not saved)`);
  writeFileAtomic(`${head}.new`, bytes);
  writeFileAtomic(join(dir, 'model.json'), text);
  renameSync(`${head}.new`, head);
}

export function loadModel(dir: string): SavedModel {
  const fail = (why: string): never => {
    throw new ModelError(`${dir}: ${why}`);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('no such model folder');
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) fail('no model.json (not a saved model, or its save never finished)');
  const json = parseModelJson(readFileSync(jsonPath, 'utf8'), dir);
  const h = json.head;
  const head = join(dir, h.file);
  // Only regular files: a link to /dev/zero or a FIFO would hang the read.
  const readHead = (path: string) => {
    if (!existsSync(path)) return null;
    if (!statSync(path).isFile()) fail(`${h.file} is not a regular file`);
    return new Uint8Array(readFileSync(path));
  };
  let bytes = readHead(head);
  if (!bytes || sha256(bytes) !== h.sha256) {
    // A save that stopped between model.json and the final rename.
    const pending = readHead(`${head}.new`);
    if (pending && sha256(pending) === h.sha256) {
      renameSync(`${head}.new`, head);
      bytes = pending;
    } else fail(bytes ? `${h.file} does not match model.json (sha256 differs)` : `${h.file} is missing`);
  }
  return parseHead(json, bytes!, dir);
}
