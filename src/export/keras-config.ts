// The article's Keras model as Keras 2.2.2 describes it (Network.get_config, as model.save's
// model_config and model.to_json hold it): `Model(conv_base.input, predictions)` for
// conv_base = keras-applications 1.0.4's ResNet50(include_top=False, weights='imagenet') with
// every layer trainable = False, then GlobalAveragePooling2D, Dense(128, activation='relu') and
// Dense(C, activation='softmax'). Layers are named as a fresh Keras session names them
// (input_1, conv1_pad, activation_1, ..., add_16, max_pooling2d_1, global_average_pooling2d_1,
// dense_1, dense_2), the ResNet's own convs and batchnorms as keras-applications names them;
// each layer's config holds what its get_config returns in Keras 2.2.2, in that order.

/** One layer of a Keras 2.2.2 model config. */
export interface KerasLayerConfig {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

export interface KerasModelConfig {
  class_name: 'Model';
  config: {
    name: string;
    layers: KerasLayerConfig[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
}

const zeros = { class_name: 'Zeros', config: {} };
const ones = { class_name: 'Ones', config: {} };
/** keras.initializers.he_normal() and glorot_uniform() in Keras 2.2.2. */
const HE_NORMAL = {
  class_name: 'VarianceScaling',
  config: { scale: 2.0, mode: 'fan_in', distribution: 'normal', seed: null },
};
const GLOROT_UNIFORM = {
  class_name: 'VarianceScaling',
  config: { scale: 1.0, mode: 'fan_avg', distribution: 'uniform', seed: null },
};
const NO_REGULARIZERS = { kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null };
const NO_CONSTRAINTS = { kernel_constraint: null, bias_constraint: null };

/** A layer's weights as save_weights names and shapes them. */
export interface KerasWeightLayout {
  name: string;
  weights: { name: string; shape: number[] }[];
}

/** Builds the layer list as the functional API records it: each layer called on its inputs. */
class Graph {
  readonly layers: KerasLayerConfig[] = [];
  readonly weights: KerasWeightLayout[] = [];
  /** Output channels of each layer. */
  readonly channels = new Map<string, number>();
  private counters = new Map<string, number>();

  /** A fresh session's automatic name: the class's snake-case name and a count from 1. */
  auto(base: string): string {
    const n = (this.counters.get(base) ?? 0) + 1;
    this.counters.set(base, n);
    return `${base}_${n}`;
  }

  add(
    class_name: string,
    name: string,
    config: Record<string, unknown>,
    inputs: string[],
    weights: { name: string; shape: number[] }[] = [],
    channels = inputs.length ? this.channels.get(inputs[0])! : 3,
  ): string {
    this.channels.set(name, channels);
    this.weights.push({ name, weights: weights.map((w) => ({ name: `${name}/${w.name}`, shape: w.shape })) });
    this.layers.push({
      name,
      class_name,
      config: { name, ...config },
      inbound_nodes: inputs.length
        ? [inputs.map((i) => [i, 0, 0, {}] as [string, number, number, Record<string, never>])]
        : [],
    });
    return name;
  }
}

/** The article's Keras model's config for `classes` outputs (keras-applications 1.0.4's ResNet50). */
export function articleKerasModelConfig(classes: number): KerasModelConfig {
  return articleKerasModel(classes).config;
}

/** The config, and every layer's weights as model.save_weights names and shapes them. */
export function articleKerasModel(classes: number): { config: KerasModelConfig; layout: KerasWeightLayout[] } {
  const g = new Graph();
  const frozen = { trainable: false };
  const conv = (name: string, filters: number, kernel: number, strides: number, padding: string, input: string) =>
    g.add(
      'Conv2D',
      name,
      {
        ...frozen,
        filters,
        kernel_size: [kernel, kernel],
        strides: [strides, strides],
        padding,
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'linear',
        use_bias: true,
        kernel_initializer: HE_NORMAL,
        bias_initializer: zeros,
        ...NO_REGULARIZERS,
        ...NO_CONSTRAINTS,
      },
      [input],
      [
        { name: 'kernel:0', shape: [kernel, kernel, g.channels.get(input)!, filters] },
        { name: 'bias:0', shape: [filters] },
      ],
      filters,
    );
  const bn = (name: string, input: string) =>
    g.add(
      'BatchNormalization',
      name,
      {
        ...frozen,
        axis: 3,
        momentum: 0.99,
        epsilon: 0.001,
        center: true,
        scale: true,
        beta_initializer: zeros,
        gamma_initializer: ones,
        moving_mean_initializer: zeros,
        moving_variance_initializer: ones,
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
      },
      [input],
      ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0'].map((w) => ({
        name: w,
        shape: [g.channels.get(input)!],
      })),
    );
  const relu = (input: string) => g.add('Activation', g.auto('activation'), { ...frozen, activation: 'relu' }, [input]);
  const add = (a: string, b: string) => g.add('Add', g.auto('add'), { ...frozen }, [a, b]);

  const input = g.add(
    'InputLayer',
    g.auto('input'),
    { batch_input_shape: [null, null, null, 3], dtype: 'float32', sparse: false },
    [],
  );
  // InputLayer's config is {batch_input_shape, dtype, sparse, name}: name last.
  const first = g.layers[0];
  first.config = { batch_input_shape: [null, null, null, 3], dtype: 'float32', sparse: false, name: first.name };
  let x = g.add(
    'ZeroPadding2D',
    'conv1_pad',
    {
      ...frozen,
      padding: [
        [3, 3],
        [3, 3],
      ],
      data_format: 'channels_last',
    },
    [input],
  );
  x = conv('conv1', 64, 7, 2, 'valid', x);
  x = relu(bn('bn_conv1', x));
  x = g.add(
    'MaxPooling2D',
    g.auto('max_pooling2d'),
    { ...frozen, pool_size: [3, 3], padding: 'valid', strides: [2, 2], data_format: 'channels_last' },
    [x],
  );
  const stages: [number, number, number[]][] = [
    [2, 3, [64, 64, 256]],
    [3, 4, [128, 128, 512]],
    [4, 6, [256, 256, 1024]],
    [5, 3, [512, 512, 2048]],
  ];
  for (const [stage, blocks, [f1, f2, f3]] of stages) {
    for (let b = 0; b < blocks; b++) {
      const block = 'abcdef'[b];
      const convBase = `res${stage}${block}_branch`;
      const bnBase = `bn${stage}${block}_branch`;
      // conv_block (b = 0): stride 2 on its first 1x1 conv and shortcut, 1 in stage 2.
      const strides = b === 0 && stage > 2 ? 2 : 1;
      const inputOfBlock = x;
      let y = relu(bn(`${bnBase}2a`, conv(`${convBase}2a`, f1, 1, strides, 'valid', inputOfBlock)));
      y = relu(bn(`${bnBase}2b`, conv(`${convBase}2b`, f2, 3, 1, 'same', y)));
      // Keras lists a model's layers by depth from the output, the main path before the
      // shortcut at each depth: conv 2c, conv 1, bn 2c, bn 1 (as keras-applications' files do).
      let shortcut = inputOfBlock;
      if (b === 0) {
        y = conv(`${convBase}2c`, f3, 1, 1, 'valid', y);
        shortcut = conv(`${convBase}1`, f3, 1, strides, 'valid', inputOfBlock);
        y = bn(`${bnBase}2c`, y);
        shortcut = bn(`${bnBase}1`, shortcut);
      } else y = bn(`${bnBase}2c`, conv(`${convBase}2c`, f3, 1, 1, 'valid', y));
      x = relu(add(y, shortcut));
    }
  }
  x = g.add(
    'GlobalAveragePooling2D',
    g.auto('global_average_pooling2d'),
    { trainable: true, data_format: 'channels_last' },
    [x],
  );
  const dense = (units: number, activation: string, input: string) =>
    g.add(
      'Dense',
      g.auto('dense'),
      {
        trainable: true,
        units,
        activation,
        use_bias: true,
        kernel_initializer: GLOROT_UNIFORM,
        bias_initializer: zeros,
        ...NO_REGULARIZERS,
        ...NO_CONSTRAINTS,
      },
      [input],
      [
        { name: 'kernel:0', shape: [g.channels.get(input)!, units] },
        { name: 'bias:0', shape: [units] },
      ],
      units,
    );
  x = dense(classes, 'softmax', dense(128, 'relu', x));
  const config: KerasModelConfig = {
    class_name: 'Model',
    config: { name: 'model_1', layers: g.layers, input_layers: [[input, 0, 0]], output_layers: [[x, 0, 0]] },
  };
  return { config, layout: g.weights };
}

/** model.to_json()'s text: the config with the Keras version and backend. */
export function kerasModelJson(config: KerasModelConfig): string {
  return JSON.stringify({ ...config, keras_version: '2.2.2', backend: 'tensorflow' });
}

/** model.save's training_config for the article's compile(Adam(), sparse_categorical_crossentropy, acc). */
export function articleTrainingConfig(lr: number): string {
  return JSON.stringify({
    optimizer_config: {
      class_name: 'Adam',
      config: { lr, beta_1: 0.9, beta_2: 0.999, decay: 0.0, epsilon: 1e-7, amsgrad: false },
    },
    loss: 'sparse_categorical_crossentropy',
    metrics: ['acc'],
    sample_weight_mode: null,
    loss_weights: null,
  });
}
