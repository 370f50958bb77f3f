// Backbone and head as one ONNX model (opset 13): input `input` [N, 3, H, W] float32 after the
// weights' preprocessing (NCHW), output `probabilities` [N, classes]. Batchnorm is folded into
// each conv as our inference does (prepare.ts), the head is Gemm, ReLU, Gemm and Softmax. The
// protobuf is written here: the few ONNX messages this needs, by field number (onnx/onnx.proto).
import { type BackboneWeights } from '../model/backbone.js';
import { type ConvBn, plan } from '../model/architecture.js';
import { foldBatchNorm } from '../model/prepare.js';
import type { HeadShape, HeadWeights } from '../autograd/head.js';
import { toFloat32 } from '../weights/host-tensor.js';

export const ONNX_OPSET = 13;
const IR_VERSION = 7; // the IR of opset 13's release (ONNX 1.8)
const FLOAT = 1; // TensorProto.DataType
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** Protobuf's wire format, the parts these messages use; bytes kept as chunks (weights are large). */
class Proto {
  private chunks: Uint8Array[] = [];
  private small: number[] = [];

  private flush(): void {
    if (this.small.length) this.chunks.push(Uint8Array.from(this.small));
    this.small = [];
  }

  private varint(n: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(n));
    do {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      this.small.push(v ? b | 0x80 : b);
    } while (v);
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, n: number): this {
    this.key(field, 0);
    this.varint(n);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    this.flush();
    this.chunks.push(data);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Proto): this {
    return this.bytesField(field, m.done());
  }

  done(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.chunks.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function tensor(name: string, dims: readonly number[], data: Float32Array): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  return t
    .int(2, FLOAT)
    .str(8, name)
    .bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function attribute(name: string, value: number | number[]): Proto {
  const a = new Proto().str(1, name);
  if (typeof value === 'number') return a.int(3, value).int(20, ATTRIBUTE_INT);
  for (const v of value) a.int(8, v);
  return a.int(20, ATTRIBUTE_INTS);
}

function valueInfo(name: string, dims: readonly (number | string)[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().str(2, d));
  const tensorType = new Proto().int(1, FLOAT).message(2, shape);
  return new Proto().str(1, name).message(2, new Proto().message(1, tensorType));
}

/** OIHW [O, I, K, K] with batchnorm folded (in float64, as prepare.ts folds ours), and its bias. */
function foldedConv(weights: BackboneWeights, c: ConvBn): { weight: Float32Array; bias: Float32Array } {
  const t = (name: string) => toFloat32(weights.tensors.get(name)!);
  // foldBatchNorm scales the last axis: fold in HWIO-free form by treating OIHW as [O][rest].
  const w = t(`${c.conv}.weight`);
  const per = w.length / c.outC;
  const channelLast = new Float32Array(w.length);
  for (let o = 0; o < c.outC; o++) for (let r = 0; r < per; r++) channelLast[r * c.outC + o] = w[o * per + r];
  const folded = foldBatchNorm(channelLast, c.bias ? t(`${c.conv}.bias`) : null, {
    gamma: t(`${c.bn}.weight`),
    beta: t(`${c.bn}.bias`),
    mean: t(`${c.bn}.running_mean`),
    variance: t(`${c.bn}.running_var`),
    eps: c.eps,
  });
  const oihw = new Float32Array(w.length);
  for (let o = 0; o < c.outC; o++) for (let r = 0; r < per; r++) oihw[o * per + r] = folded.weight[r * c.outC + o];
  return { weight: oihw, bias: folded.bias };
}

/**
 * The ONNX model of `weights` (with the running statistics prediction uses) and a head. The
 * batch dimension is symbolic ('batch').
 */
export function onnxModelBytes(
  weights: BackboneWeights,
  shape: HeadShape,
  head: HeadWeights,
  producer: string,
): Uint8Array {
  const p = plan(weights.spec);
  const size = weights.preprocessing.size;
  const graph = new Proto();
  const nodes: Proto[] = [];
  const initializers: Proto[] = [];
  let counter = 0;
  const node = (op: string, inputs: string[], attributes: Proto[] = [], name?: string): string => {
    const output = name ?? `${op.toLowerCase()}_${counter++}`;
    const n = new Proto();
    for (const i of inputs) n.str(1, i);
    n.str(2, output).str(3, output).str(4, op);
    for (const a of attributes) n.message(5, a);
    nodes.push(n);
    return output;
  };
  const conv = (x: string, c: ConvBn): string => {
    const { weight, bias } = foldedConv(weights, c);
    initializers.push(tensor(`${c.conv}.weight`, [c.outC, c.inC, c.kernel, c.kernel], weight));
    initializers.push(tensor(`${c.conv}.bias`, [c.outC], bias));
    return node(
      'Conv',
      [x, `${c.conv}.weight`, `${c.conv}.bias`],
      [
        attribute('kernel_shape', [c.kernel, c.kernel]),
        attribute('strides', [c.stride, c.stride]),
        attribute('pads', [c.pad, c.pad, c.pad, c.pad]),
      ],
    );
  };
  let x = node('Relu', [conv('input', p.stem)]);
  const { kernel, stride, pad } = p.stemPool;
  x = node(
    'MaxPool',
    [x],
    [
      attribute('kernel_shape', [kernel, kernel]),
      attribute('strides', [stride, stride]),
      attribute('pads', [pad, pad, pad, pad]),
    ],
  );
  for (const block of p.blocks) {
    let y = x;
    block.convs.forEach((c, i) => {
      y = conv(y, c);
      if (i < block.convs.length - 1) y = node('Relu', [y]);
    });
    const shortcut = block.downsample ? conv(x, block.downsample) : x;
    x = node('Relu', [node('Add', [y, shortcut])]);
  }
  x = node('Flatten', [node('GlobalAveragePool', [x])], [attribute('axis', 1)]);
  initializers.push(tensor('fc1.weight', [shape.hidden, shape.features], head['fc1.weight']));
  initializers.push(tensor('fc1.bias', [shape.hidden], head['fc1.bias']));
  initializers.push(tensor('fc2.weight', [shape.classes, shape.hidden], head['fc2.weight']));
  initializers.push(tensor('fc2.bias', [shape.classes], head['fc2.bias']));
  x = node('Relu', [node('Gemm', [x, 'fc1.weight', 'fc1.bias'], [attribute('transB', 1)])]);
  x = node('Gemm', [x, 'fc2.weight', 'fc2.bias'], [attribute('transB', 1)]);
  node('Softmax', [x], [attribute('axis', 1)], 'probabilities');
  for (const n of nodes) graph.message(1, n);
  graph.str(2, `${weights.spec.name} transfer model`);
  for (const t of initializers) graph.message(5, t);
  graph.message(11, valueInfo('input', ['batch', 3, size, size]));
  graph.message(12, valueInfo('probabilities', ['batch', shape.classes]));
  return new Proto()
    .int(1, IR_VERSION)
    .str(2, producer)
    .message(7, graph)
    .message(8, new Proto().str(1, '').int(2, ONNX_OPSET))
    .done();
}
