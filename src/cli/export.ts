// node dist/export.js --model DIR --torch|--keras|--onnx FILE: a trained model for other frameworks (see --help).
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { checkKerasExportable, checkTorchExportable, torchStateDict } from '../export/article-models.js';
import { articleKerasLayers, writeKerasModel, writeKerasWeights } from '../export/keras.node.js';
import { articleKerasModel, articleTrainingConfig, kerasModelJson } from '../export/keras-config.js';
import { torchSaveBytes } from '../export/torch.js';
import { ONNX_OPSET, onnxModelBytes } from '../export/onnx.js';
import { backboneForModel } from '../train/model-format.js';
import { readBackboneWeights } from '../api/weights.node.js';
import { resnetSpec } from '../index.js';
import { loadModel, refuseModelFiles } from '../train/model-files.node.js';
import { UsageError, parseCommand, required } from './args.js';
import { MODEL_WEIGHTS_OPTION } from './options.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/export.js',
  summary:
    "Writes a trained model for other frameworks: the article's PyTorch model as torch.save writes its " +
    "state_dict, the article's Keras model's weights as model.save_weights writes them, or backbone and " +
    'head as one ONNX model that outputs class probabilities.',
  options: {
    model: { type: 'string', value: 'DIR', description: 'the trained model folder (required)' },
    weights: MODEL_WEIGHTS_OPTION,
    torch: {
      type: 'string',
      value: 'FILE.pth',
      description:
        "the whole model's state_dict (torchvision ResNet-50 with fc = Sequential(Linear(2048, 128), ReLU, " +
        "Linear(128, C))) as torch.save writes it: the article's load_state_dict code loads it",
    },
    keras: {
      type: 'string',
      value: 'FILE.h5',
      description:
        "for a model on a Keras .h5 backbone: the article's Keras model's weights (ResNet50 without top, " +
        'GlobalAveragePooling2D, Dense(128), Dense(C)) as model.save_weights writes them: model.load_weights loads it',
    },
    'keras-model': {
      type: 'string',
      value: 'FILE.h5',
      description:
        "the article's Keras model as model.save writes it (model_config, training_config and the weights): " +
        'keras.models.load_model loads it; import.js --keras reads it back',
    },
    'keras-json': {
      type: 'string',
      value: 'FILE.json',
      description: "the article's Keras model as model.to_json() writes it (its architecture.json)",
    },
    onnx: {
      type: 'string',
      value: 'FILE.onnx',
      description:
        `backbone and head as one ONNX model (opset ${ONNX_OPSET}): input [N, 3, H, W] float32 after the weights' ` +
        'preprocessing, output class probabilities [N, C]',
    },
  },
} as const;

runCli(async () => {
  const { values: v } = parseCommand(COMMAND);
  const dir = required('model', v.model);
  const targets = [v.torch, v.keras, v['keras-model'], v['keras-json'], v.onnx].filter((f) => f !== undefined);
  if (!targets.length)
    throw new UsageError(
      'nothing to export: give --torch, --keras, --keras-model, --keras-json or --onnx FILE (see --help)',
    );
  for (const file of targets) checkWritable(file);
  const saved = loadModel(dir);
  const source = v.weights ?? saved.json.backbone.weights;
  refuseModelFiles(dir, source, targets);
  // What model.json says rules out an export before the (large) weights are read.
  const spec = resnetSpec(saved.json.architecture);
  if (v.torch) checkTorchExportable(spec, dir);
  if (v.keras || v['keras-model'] || v['keras-json']) checkKerasExportable(spec, source, dir);
  const weights = readBackboneWeights(source);
  if (v.torch) {
    writeFileAtomic(v.torch, torchSaveBytes(torchStateDict(saved, weights, dir)));
    console.log(`${v.torch}: the PyTorch state_dict (torch.save format)`);
  }
  if (v.keras) {
    await writeKerasWeights(v.keras, articleKerasLayers(saved, weights, dir));
    console.log(`${v.keras}: the Keras model's weights (model.save_weights format)`);
  }
  if (v['keras-model']) {
    const { config } = articleKerasModel(saved.json.head.classes);
    await writeKerasModel(
      v['keras-model'],
      articleKerasLayers(saved, weights, dir),
      config,
      articleTrainingConfig(saved.json.training.lr),
    );
    console.log(`${v['keras-model']}: the Keras model (model.save format)`);
  }
  if (v['keras-json']) {
    writeFileAtomic(v['keras-json'], kerasModelJson(articleKerasModel(saved.json.head.classes).config));
    console.log(`${v['keras-json']}: the Keras model's architecture (model.to_json format)`);
  }
  if (v.onnx) {
    const backbone = backboneForModel(saved, weights);
    writeFileAtomic(v.onnx, onnxModelBytes(backbone, saved.json.head, saved.weights, `webgpu-transfer ${dir}`));
    console.log(`${v.onnx}: backbone and head as one ONNX model (opset ${ONNX_OPSET})`);
  }
});
