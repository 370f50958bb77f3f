"""The article's saved models as its own code writes them, for test/import.test.ts (run there
where Debian's Python packages are installed), and their predictions on images:

  make-article-models.py torch OUT IMAGE...  the article's PyTorch model (torchvision resnet50,
      synthetic backbone weights, model.fc = Sequential(Linear(2048, 128), ReLU(inplace=True),
      Linear(128, 2))) trained 2 steps in model.train() with PyTorch 0.4.1's Adam (running
      statistics move), saved as `torch.save(model.state_dict(), OUT)` in the legacy format of
      PyTorch 0.4.1; prints the eval-mode probabilities of the images under the article's
      validation transform (Resize((224, 224)), ToTensor, Normalize).
  make-article-models.py keras OUT IMAGE...  the article's Keras model as Keras 2.2.2's
      `model.save(OUT)` lays it out, written with h5py: root attributes keras_version, backend,
      model_config (Keras 2.2.2's get_config of Model(conv_base.input, predictions), transcribed
      here) and training_config; the weights in model_weights, in the model's layer order.
      Backbone weights are tools/keras_transcription.py's seeded sparse ones; prints the
      probabilities of the images under load_img(target_size=(224, 224)) and caffe
      preprocessing, from keras_transcription's PyTorch forward (float64).

  make-article-models.py config CLASSES  prints the model_config of the Keras model above for
      CLASSES outputs (to hold an exported one against).

Output: one JSON line {"probabilities": [[p0, p1], ...]} (or the config).
Run: /usr/bin/python3 tools/make-article-models.py torch|keras OUT IMAGE...   (PyTorch 1.13, h5py 3.7)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from adam041 import Adam041  # noqa: E402
from golden_common import synthetic_images, synthetic_state_dict  # noqa: E402

kind, out, images = sys.argv[1], sys.argv[2], sys.argv[3:]


def torch_model():
    import torchvision
    from PIL import Image
    from torchvision import transforms
    torch.manual_seed(11)
    model = torchvision.models.resnet50()
    synthetic_state_dict(model, 9)
    for p in model.parameters():
        p.requires_grad = False
    model.fc = torch.nn.Sequential(torch.nn.Linear(2048, 128), torch.nn.ReLU(inplace=True), torch.nn.Linear(128, 2))
    optimizer = Adam041(model.fc.parameters(), lr=1e-3)
    criterion = torch.nn.CrossEntropyLoss()
    x = torch.from_numpy(synthetic_images(12, 4, 64))
    y = torch.tensor([0, 1, 1, 0])
    model.train()
    for _ in range(2):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), out, _use_new_zipfile_serialization=False)
    t = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    batch = torch.stack([t(Image.open(f).convert('RGB')) for f in images])
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(batch), dim=1).tolist()


def keras_config(classes):
    """Keras 2.2.2's Network.get_config of the article's model, transcribed: layers in model.layers
    order (by depth from the output, then traversal order), fresh-session names."""
    counts = {}

    def auto(base):
        counts[base] = counts.get(base, 0) + 1
        return '%s_%d' % (base, counts[base])

    zeros = {'class_name': 'Zeros', 'config': {}}
    ones = {'class_name': 'Ones', 'config': {}}
    he = {'class_name': 'VarianceScaling', 'config': {'scale': 2.0, 'mode': 'fan_in', 'distribution': 'normal',
                                                       'seed': None}}
    glorot = {'class_name': 'VarianceScaling', 'config': {'scale': 1.0, 'mode': 'fan_avg',
                                                           'distribution': 'uniform', 'seed': None}}
    layers = []

    def add(cls, name, config, inputs):
        layers.append({'name': name, 'class_name': cls, 'config': dict({'name': name}, **config),
                       'inbound_nodes': [[[i, 0, 0, {}] for i in inputs]] if inputs else []})
        return name

    def conv(name, filters, k, s, pad, x):
        return add('Conv2D', name, {'trainable': False, 'filters': filters, 'kernel_size': [k, k], 'strides': [s, s],
                                    'padding': pad, 'data_format': 'channels_last', 'dilation_rate': [1, 1],
                                    'activation': 'linear', 'use_bias': True, 'kernel_initializer': he,
                                    'bias_initializer': zeros, 'kernel_regularizer': None, 'bias_regularizer': None,
                                    'activity_regularizer': None, 'kernel_constraint': None,
                                    'bias_constraint': None}, [x])

    def bn(name, x):
        return add('BatchNormalization', name, {
            'trainable': False, 'axis': 3, 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True,
            'beta_initializer': zeros, 'gamma_initializer': ones, 'moving_mean_initializer': zeros,
            'moving_variance_initializer': ones, 'beta_regularizer': None, 'gamma_regularizer': None,
            'beta_constraint': None, 'gamma_constraint': None}, [x])

    def relu(x):
        return add('Activation', auto('activation'), {'trainable': False, 'activation': 'relu'}, [x])

    layers.append({'name': 'input_1', 'class_name': 'InputLayer', 'config': {
        'batch_input_shape': [None, None, None, 3], 'dtype': 'float32', 'sparse': False, 'name': 'input_1'},
        'inbound_nodes': []})
    counts['input'] = 1
    x = add('ZeroPadding2D', 'conv1_pad', {'trainable': False, 'padding': [[3, 3], [3, 3]],
                                            'data_format': 'channels_last'}, ['input_1'])
    x = relu(bn('bn_conv1', conv('conv1', 64, 7, 2, 'valid', x)))
    x = add('MaxPooling2D', auto('max_pooling2d'), {'trainable': False, 'pool_size': [3, 3], 'padding': 'valid',
                                                   'strides': [2, 2], 'data_format': 'channels_last'}, [x])
    for stage, blocks, (f1, f2, f3) in [(2, 3, (64, 64, 256)), (3, 4, (128, 128, 512)),
                                        (4, 6, (256, 256, 1024)), (5, 3, (512, 512, 2048))]:
        for b in range(blocks):
            base = '%d%s_branch' % (stage, 'abcdef'[b])
            s = 2 if b == 0 and stage > 2 else 1
            y = relu(bn('bn' + base + '2a', conv('res' + base + '2a', f1, 1, s, 'valid', x)))
            y = relu(bn('bn' + base + '2b', conv('res' + base + '2b', f2, 3, 1, 'same', y)))
            if b == 0:
                y = conv('res' + base + '2c', f3, 1, 1, 'valid', y)
                short = conv('res' + base + '1', f3, 1, s, 'valid', x)
                y, short = bn('bn' + base + '2c', y), bn('bn' + base + '1', short)
            else:
                y, short = bn('bn' + base + '2c', conv('res' + base + '2c', f3, 1, 1, 'valid', y)), x
            x = relu(add('Add', auto('add'), {'trainable': False}, [y, short]))
    x = add('GlobalAveragePooling2D', auto('global_average_pooling2d'),
            {'trainable': True, 'data_format': 'channels_last'}, [x])
    for units, act in ((128, 'relu'), (classes, 'softmax')):
        x = add('Dense', auto('dense'), {'trainable': True, 'units': units, 'activation': act, 'use_bias': True,
                                         'kernel_initializer': glorot, 'bias_initializer': zeros,
                                         'kernel_regularizer': None, 'bias_regularizer': None,
                                         'activity_regularizer': None, 'kernel_constraint': None,
                                         'bias_constraint': None}, [x])
    return {'class_name': 'Model', 'config': {'name': 'model_1', 'layers': layers,
                                              'input_layers': [['input_1', 0, 0]], 'output_layers': [[x, 0, 0]]}}


def keras_model():
    import h5py
    from PIL import Image
    from keras_transcription import forward, keras22_layers, make_weights
    w = make_weights(np.random.default_rng(31), classifier=False)
    rng = np.random.default_rng(32)
    dense1 = [rng.uniform(-0.05, 0.05, (2048, 128)).astype(np.float32), rng.uniform(-0.1, 0.1, 128).astype(np.float32)]
    dense2 = [rng.uniform(-0.3, 0.3, (128, 2)).astype(np.float32), rng.uniform(-0.1, 0.1, 2).astype(np.float32)]
    weights = dict(keras22_layers(w))
    weights['dense_1'] = [('dense_1/kernel:0', dense1[0]), ('dense_1/bias:0', dense1[1])]
    weights['dense_2'] = [('dense_2/kernel:0', dense2[0]), ('dense_2/bias:0', dense2[1])]
    config = keras_config(2)
    with h5py.File(out, 'w') as f:
        f.attrs['keras_version'] = b'2.2.2'
        f.attrs['backend'] = b'tensorflow'
        f.attrs['model_config'] = json.dumps(config).encode('utf8')
        f.attrs['training_config'] = json.dumps({
            'optimizer_config': {'class_name': 'Adam', 'config': {'lr': 0.001, 'beta_1': 0.9, 'beta_2': 0.999,
                                                                   'decay': 0.0, 'epsilon': 1e-07, 'amsgrad': False}},
            'loss': 'sparse_categorical_crossentropy', 'metrics': ['acc'], 'sample_weight_mode': None,
            'loss_weights': None}).encode('utf8')
        g = f.create_group('model_weights')
        names = [layer['name'] for layer in config['config']['layers']]
        g.attrs['layer_names'] = [n.encode() for n in names]
        g.attrs['backend'] = b'tensorflow'
        g.attrs['keras_version'] = b'2.2.2'
        for name in names:
            lg = g.create_group(name)
            ws = weights.get(name, [])
            lg.attrs['weight_names'] = [n.encode() for n, _ in ws]
            for n, a in ws:
                lg.create_dataset(n, data=a)
    # load_img(target_size=(224, 224)): PIL's nearest resize of the RGB image; caffe: BGR minus means.
    batch = []
    for f in images:
        img = np.asarray(Image.open(f).convert('RGB').resize((224, 224), Image.NEAREST), dtype=np.float64)
        batch.append(img[..., ::-1] - np.array([103.939, 116.779, 123.68]))
    features, _ = forward(w, np.stack(batch).astype(np.float32), 1e-3, False)
    t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))
    hidden = torch.relu(features @ t(dense1[0]) + t(dense1[1]))
    return torch.softmax(hidden @ t(dense2[0]) + t(dense2[1]), dim=1).tolist()


if kind == 'config':
    print(json.dumps(keras_config(int(out))))
else:
    probabilities = torch_model() if kind == 'torch' else keras_model()
    print(json.dumps({'probabilities': probabilities}))
