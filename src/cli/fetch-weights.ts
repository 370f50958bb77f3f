// node dist/fetch-weights.js [--variant IMAGENET1K_V1|IMAGENET1K_V2] [--out weights/resnet50.safetensors]
// Downloads torchvision's official ResNet-50 ImageNet checkpoint, checks the sha256 prefix
// in its file name (as torch.hub does) and converts it into our safetensors weights.

import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readBytes, sha256 } from '../files.node.js';
import { convertWeightFile } from '../model/convert.node.js';
import { parseWeightFile } from '../weights/parse.js';
import { WeightFileError } from '../weights/safetensors.js';
import { UsageError, parseCommand } from './args.js';
import { runCli } from './run.js';

/** torchvision.models.ResNet50_Weights: the file name carries the first hex digits of its sha256. */
const CHECKPOINTS: Record<'IMAGENET1K_V1' | 'IMAGENET1K_V2', string> = {
  IMAGENET1K_V1: 'https://download.pytorch.org/models/resnet50-0676ba61.pth', // acc@1 76.130
  IMAGENET1K_V2: 'https://download.pytorch.org/models/resnet50-11ad3fa6.pth', // acc@1 80.858
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
      `cannot download ${url} (${why}): no network? Download it elsewhere and run node dist/convert-weights.js ` +
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
    "Downloads torchvision's ImageNet ResNet-50 checkpoint, checks the sha256 prefix in its file name, and " +
    'converts it into our weight format.',
  options: {
    variant: {
      type: 'choice',
      choices: ['IMAGENET1K_V1', 'IMAGENET1K_V2'],
      default: 'IMAGENET1K_V1',
      description: "torchvision's ResNet50_Weights (V1 is the one of the Keras vs. PyTorch article)",
    },
    out: {
      type: 'string',
      value: 'FILE',
      default: 'weights/resnet50.safetensors',
      description: 'the converted weights',
    },
    url: { type: 'string', value: 'URL', description: "download from here instead of the variant's address" },
  },
} as const;

runCli(async () => {
  const { values } = parseCommand(COMMAND);
  const variant = values.variant;
  const url = values.url ?? CHECKPOINTS[variant];
  const out = values.out;
  const name = url.split('/').pop()!;
  const prefix = /-([a-f0-9]{6,})\.pth$/.exec(name)?.[1];
  mkdirSync(dirname(out), { recursive: true });
  const checkpoint = join(dirname(out), name);
  if (!existsSync(checkpoint)) {
    console.log(`downloading ${url}`);
    await download(url, checkpoint, out);
  }
  const bytes = readBytes(checkpoint, WeightFileError);
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
