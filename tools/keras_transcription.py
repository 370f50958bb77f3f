"""The Keras ResNet-50 transcriptions the golden scripts share, apart from our TypeScript:
seeded sparse weights in Keras's shapes, the layer lists of keras-applications 1.0.4 and of
tf.keras as save_weights writes them (h5py), and keras-applications' ResNet50 (v1) forward
transcribed into PyTorch, float64, inference mode."""
import os

import h5py
import numpy as np
import torch
import torch.nn.functional as F

STAGES = [(2, 3, 64), (3, 4, 128), (4, 6, 256), (5, 3, 512)]  # (stage, blocks, width)


def make_weights(rng, classifier):
    """{(role, stage, block, part): arrays} for every conv/bn, Keras shapes (HWIO kernels)."""
    def sparse(shape):
        i = np.arange(shape[-2])[:, None]
        o = np.arange(shape[-1])[None, :]
        return np.where((7 * i + 3 * o) % 64 == 0, rng.choice([-1.0, 1.0], size=shape), 0.0)

    def conv(kh, cin, cout):
        kernel = sparse((kh, kh, cin, cout)) * np.sqrt(6 / (kh * kh * cin / 64)) / 2
        return [kernel.astype(np.float32), rng.uniform(-0.2, 0.2, cout).astype(np.float32)]

    def bn(c):
        return [rng.uniform(0.2, 0.8, c), rng.uniform(-0.2, 0.2, c), rng.uniform(-0.1, 0.1, c),
                rng.uniform(0.5, 1.5, c)]

    w = {'conv1': conv(7, 3, 64), 'bn1': [a.astype(np.float32) for a in bn(64)]}
    cin = 64
    for stage, blocks, width in STAGES:
        for b in range(blocks):
            key = (stage, b)
            w[key + ('2a',)] = conv(1, cin, width)
            w[key + ('2b',)] = conv(3, width, width)
            w[key + ('2c',)] = conv(1, width, width * 4)
            for part, c in (('2a', width), ('2b', width), ('2c', width * 4)):
                w[key + ('bn' + part,)] = [a.astype(np.float32) for a in bn(c)]
            if b == 0:
                w[key + ('1',)] = conv(1, cin, width * 4)
                w[key + ('bn1',)] = [a.astype(np.float32) for a in bn(width * 4)]
            cin = width * 4
    if classifier:
        fc = sparse((2048, 1000)) * 0.05
        w['fc'] = [fc.astype(np.float32), rng.uniform(-0.1, 0.1, 1000).astype(np.float32)]
    return w


def conv(name, v):
    """A Conv2D or Dense layer's entry as save_weights writes it: kernel, then bias."""
    return name, [(name + '/kernel:0', v[0]), (name + '/bias:0', v[1])]


def bn(name, v):
    return name, [(name + '/' + k + ':0', a) for k, a in zip(('gamma', 'beta', 'moving_mean', 'moving_variance'), v)]


def keras22_layers(w):
    """(layer name, [(weight name, array)]) in keras-applications 1.0.4's model order."""
    layers = [('input_1', []), ('conv1_pad', []), conv('conv1', w['conv1']), bn('bn_conv1', w['bn1']),
              ('activation_1', []), ('max_pooling2d_1', [])]
    for stage, blocks, _ in STAGES:
        for b in range(blocks):
            base = '%d%s_branch' % (stage, 'abcdef'[b])
            for part in ('2a', '2b', '2c'):
                layers += [conv('res' + base + part, w[(stage, b, part)]),
                           bn('bn' + base + part, w[(stage, b, 'bn' + part)])]
            if b == 0:
                layers += [conv('res' + base + '1', w[(stage, b, '1')]), bn('bn' + base + '1', w[(stage, b, 'bn1')])]
            layers.append(('add_%d%s' % (stage, 'abcdef'[b]), []))
    if 'fc' in w:
        layers += [('avg_pool', []), ('flatten_1', []), conv('fc1000', w['fc'])]
    return layers


def tf_keras_layers(w):
    layers = [('input_1', []), ('conv1_pad', []), conv('conv1_conv', w['conv1']), bn('conv1_bn', w['bn1']),
              ('conv1_relu', []), ('pool1_pad', []), ('pool1_pool', [])]
    for stage, blocks, _ in STAGES:
        for b in range(blocks):
            base = 'conv%d_block%d_' % (stage, b + 1)
            if b == 0:
                layers += [conv(base + '0_conv', w[(stage, b, '1')]), bn(base + '0_bn', w[(stage, b, 'bn1')])]
            for k, part in ((1, '2a'), (2, '2b'), (3, '2c')):
                layers += [conv(base + '%d_conv' % k, w[(stage, b, part)]),
                           bn(base + '%d_bn' % k, w[(stage, b, 'bn' + part)])]
            layers.append((base + 'out', []))
    if 'fc' in w:
        layers += [('avg_pool', []), conv('predictions', w['fc'])]
    return layers


def write_h5(path, layers):
    tmp = path + '.tmp'
    with h5py.File(tmp, 'w') as f:
        f.attrs['layer_names'] = [name.encode() for name, _ in layers]
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.2.2'
        for name, weights in layers:
            g = f.create_group(name)
            g.attrs['weight_names'] = [n.encode() for n, _ in weights]
            for n, a in weights:
                g.create_dataset(n, data=a, compression='gzip', compression_opts=9, chunks=a.shape if a.size else None)
    os.replace(tmp, path)


def forward(w, x, eps, pool_pad):
    """Keras's ResNet50 (v1) in PyTorch, float64, inference: x NHWC -> (features, logits)."""
    t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))
    oihw = lambda k: t(k).permute(3, 2, 0, 1)

    def conv_bn(x, cw, bw, stride, pad, relu):
        y = F.conv2d(x, oihw(cw[0]), t(cw[1]), stride=stride, padding=pad)
        gamma, beta, mean, var = (t(a)[None, :, None, None] for a in bw)
        y = (y - mean) / torch.sqrt(var + eps) * gamma + beta
        return F.relu(y) if relu else y

    x = t(x).permute(0, 3, 1, 2)
    x = conv_bn(x, w['conv1'], w['bn1'], 2, 3, True)  # ZeroPadding2D(3) + valid 7x7 stride 2
    if pool_pad:
        x = F.pad(x, (1, 1, 1, 1))  # ZeroPadding2D(1): zeros, after a ReLU
    x = F.max_pool2d(x, 3, 2)
    for stage, blocks, _ in STAGES:
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 2 else 1
            k = (stage, b)
            y = conv_bn(x, w[k + ('2a',)], w[k + ('bn2a',)], stride, 0, True)
            y = conv_bn(y, w[k + ('2b',)], w[k + ('bn2b',)], 1, 1, True)  # 'same'
            y = conv_bn(y, w[k + ('2c',)], w[k + ('bn2c',)], 1, 0, False)
            shortcut = conv_bn(x, w[k + ('1',)], w[k + ('bn1',)], stride, 0, False) if b == 0 else x
            x = F.relu(y + shortcut)
    features = x.mean(dim=(2, 3))
    logits = features @ t(w['fc'][0]) + t(w['fc'][1]) if 'fc' in w else None
    return features, logits


