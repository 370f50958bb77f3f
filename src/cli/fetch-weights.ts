// node dist/fetch-weights.js [--source torchvision|keras] [--variant ...] [--include-top] [--out FILE]
// Downloads torchvision's official ResNet-50 ImageNet checkpoint (checking the sha256 prefix
// in its file name, as torch.hub does) or keras-applications 1.0.4's ResNet-50 .h5 (checking
// the md5 keras-applications publishes for it, as keras.utils.get_file does) and converts it
// into our safetensors weights.

import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readBytes, sha256 } from '../files.node.js';
import { convertWeightFile } from '../api/weights.node.js';
import { parseWeightFile } from '../weights/parse.js';
import { WeightFileError } from '../weights/safetensors.js';
import { UsageError, commandName, parseCommand } from './args.js';
import { runCli } from './run.js';

/** torchvision.models.ResNet50_Weights: the file name carries the first hex digits of its sha256. */
const CHECKPOINTS: Record<'IMAGENET1K_V1' | 'IMAGENET1K_V2', string> = {
  IMAGENET1K_V1: 'https://download.pytorch.org/models/resnet50-0676ba61.pth', // acc@1 76.130
  IMAGENET1K_V2: 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth', // acc@1 80.858
};

/** keras-applications 1.0.4's resnet50.py: the files ResNet50(weights='imagenet') loads, and their md5. */
const KERAS_RELEASE = 'https://github.com/fchollet/deep-learning-models/releases/download/v0.2/';
const KERAS_FILES = {
  notop: {
    url: `${KERAS_RELEASE}resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: 'a268eb855778b3df3c7506639542a6af',
  },
  top: {
    url: `${KERAS_RELEASE}resnet50_weights_tf_dim_ordering_tf_kernels.h5`,
    md5: 'a7b3fe01876f51b976af0dea6bc144eb',
  },
};

const CONNECT_TIMEOUT_MS = 15_000;

async function download(url: string, path: string, convertTo: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal: abort.signal });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = abort.signal.aborted
      ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`
      : (cause?.code ?? cause?.message ?? (e as Error).message);
    throw new UsageError(
      `cannot download ${url} (${why}): no network? Download it elsewhere and run ${commandName('convert-weights')} ` +
        `FILE.pth ${convertTo}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw new UsageError(`cannot download ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const out = createWriteStream(tmp);
  let received = 0;
  let lastReport = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      const now = Date.now();
      if (process.stderr.isTTY && now - lastReport > 250) {
        lastReport = now;
        process.stderr.write(
          `\r${(received / 2 ** 20).toFixed(1)}${total ? ` / ${(total / 2 ** 20).toFixed(1)}` : ''} MiB`,
        );
      }
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (total && received !== total)
      throw new UsageError(`download of ${url} ended after ${received} of ${total} bytes`);
    renameSync(tmp, path);
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    if (e instanceof UsageError) throw e;
    // The stream's own words ("terminated") say nothing a user can act on.
    const got = `${(received / 2 ** 20).toFixed(1)}${total ? ` of ${(total / 2 ** 20).toFixed(1)}` : ''} MiB`;
    throw new UsageError(`download of ${url} broke off after ${got} (${(e as Error).message}); run it again`, {
      cause: e,
    });
  }
}

const COMMAND = {
  command: 'node dist/fetch-weights.js',
  summary:
    "Downloads torchvision's ImageNet ResNet-50 checkpoint (checking the sha256 prefix in its file name) or " +
    "Keras's (keras-applications 1.0.4's .h5, checking its published md5), and converts it into our weight format.",
  options: {
    source: {
      type: 'choice',
      choices: ['torchvision', 'keras'],
      default: 'torchvision',
      description: "whose weights: torchvision's (the PyTorch recipe) or Keras's (the keras recipe)",
    },
    'include-top': {
      type: 'flag',
      description:
        'keras: the file with the fc1000 classifier (default: the notop file of ResNet50(include_top=False))',
    },
    md5: { type: 'string', value: 'HEX', description: 'keras: the md5 to check a --url download against' },
    variant: {
      type: 'choice',
      choices: ['IMAGENET1K_V1', 'IMAGENET1K_V2'],
      default: 'IMAGENET1K_V1',
      description: "torchvision's ResNet50_Weights (V1 is the one of the Keras vs. PyTorch article)",
    },
    out: {
      type: 'string',
      value: 'FILE',
      description:
        'the converted weights (default: weights/resnet50.safetensors, keras: weights/keras-resnet50.safetensors)',
    },
    url: { type: 'string', value: 'URL', description: "download from here instead of the variant's address" },
  },
} as const;

/** The file at `url`, downloaded beside `out` unless already there: its path, name and bytes. */
async function downloaded(url: string, out: string): Promise<{ file: string; name: string; bytes: Uint8Array }> {
  const name = url.split('/').pop()!;
  mkdirSync(dirname(out), { recursive: true });
  const file = join(dirname(out), name);
  if (!existsSync(file)) {
    console.log(`downloading ${url}`);
    await download(url, file, out);
  }
  return { file, name, bytes: readBytes(file, WeightFileError) };
}

async function fetchKeras(v: { url?: string; md5?: string; out?: string; 'include-top': boolean }): Promise<void> {
  const published = KERAS_FILES[v['include-top'] ? 'top' : 'notop'];
  const url = v.url ?? published.url;
  const md5 = v.md5 ?? (v.url ? undefined : published.md5);
  if (!md5) throw new UsageError('--url with --source keras needs --md5 HEX: the hash to check the download against');
  const out = v.out ?? 'weights/keras-resnet50.safetensors';
  const { file, name, bytes } = await downloaded(url, out);
  const digest = createHash('md5').update(bytes).digest('hex');
  if (digest !== md5.toLowerCase()) {
    rmSync(file, { force: true });
    throw new UsageError(`${file}: md5 ${digest} is not the published ${md5}; the download is corrupt (removed)`);
  }
  const result = convertWeightFile(parseWeightFile(bytes, file, sha256(bytes)), file, out, {
    sourceName: name,
    extraMetadata: { url, md5 },
  });
  console.log(`${out}: ${result.architecture}, ${result.tensors} tensors (md5 of ${name} checked)`);
}

runCli(async () => {
  const { values } = parseCommand(COMMAND);
  if (values.source === 'keras') return fetchKeras(values);
  const variant = values.variant;
  const url = values.url ?? CHECKPOINTS[variant];
  const out = values.out ?? 'weights/resnet50.safetensors';
  const { file: checkpoint, name, bytes } = await downloaded(url, out);
  const prefix = /-([a-f0-9]{6,})\.pth$/.exec(name)?.[1];
  const digest = sha256(bytes);
  if (prefix && !digest.startsWith(prefix)) {
    rmSync(checkpoint, { force: true });
    throw new UsageError(
      `${checkpoint}: sha256 ${digest.slice(0, 12)}... does not start with ${prefix} from its name; the ` +
        `download is corrupt (removed)`,
    );
  }
  // Parsed from the bytes already read and hashed: a 100 MB checkpoint is read once.
  const result = convertWeightFile(parseWeightFile(bytes, checkpoint, digest), checkpoint, out, {
    architecture: 'resnet50',
    sourceName: name,
    extraMetadata: { variant, url },
  });
  console.log(
    `${out}: resnet50 ${variant}, ${result.tensors} tensors (sha256 of ${name} ${digest.slice(0, 12)}... checked)`,
  );
});
