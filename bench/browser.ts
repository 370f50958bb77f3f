// The kernel benchmark as a page (dist/browser/bench.html): the same cases as
// `node dist/bench.js`, ours beside TensorFlow.js's WebGPU backend, on the browser's adapter,
// with the same JSON results (the command field holds the page's URL).
import { Gpu } from '../src/gpu/context.js';
import { adapterIdentity, adapterLabel } from '../src/gpu/device.js';
import { type Variant, KERNEL_VARIANTS, defaultVariant, supportsVariant } from '../src/kernels/common.js';
import { type CaseResult, TABLE_HEADER, cases, measureCase, tableRow } from './kernel-cases.js';
import { type TfPeer, loadTfPeer } from './tf-peer.js';
import { byId, runOnSubmit, showStatus } from '../src/browser/page.js';

const field = (id: string) => byId<HTMLInputElement>(id);

function positive(id: string): number {
  const v = Number(field(id).value);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${id}: '${field(id).value}' is not a positive integer`);
  return v;
}

let gpu: Gpu | undefined;
let tf: TfPeer | undefined;

async function run(): Promise<void> {
  const batch = positive('batch'),
    runs = positive('runs'),
    gemmSize = positive('gemm');
  const only = field('only').value;
  gpu ??= await Gpu.create({ log: false });
  const a = gpu.adapter;
  byId('adapter').textContent = `adapter: ${adapterLabel(a)}`;
  const variant = (byId<HTMLSelectElement>('variant').value || defaultVariant(gpu)) as Variant;
  if (!KERNEL_VARIANTS.includes(variant) || !supportsVariant(gpu, variant))
    throw new Error(`variant '${variant}' does not run on this adapter`);
  const peer = field('peer').checked ? (tf ??= await loadTfPeer()) : null;
  const head = document.createElement('tr');
  head.append(...TABLE_HEADER.map((h) => Object.assign(document.createElement('th'), { textContent: h })));
  byId('results').querySelector('thead')!.replaceChildren(head);
  const body = byId('results').querySelector('tbody')!;
  body.replaceChildren();
  const results: CaseResult[] = [];
  for (const c of cases(batch, variant, gemmSize, { resnet: field('resnet').checked })) {
    if (only && !c.name.includes(only)) continue;
    showStatus(`running ${c.name}…`);
    const result = await measureCase(gpu, peer, c, runs);
    results.push(result);
    const row = document.createElement('tr');
    row.append(...tableRow(result).map((cell) => Object.assign(document.createElement('td'), { textContent: cell })));
    body.append(row);
  }
  const json = JSON.stringify(
    {
      adapter: adapterIdentity(a),
      date: new Date().toISOString(),
      command: location.href,
      userAgent: navigator.userAgent,
      variant,
      batch,
      runs,
      results,
    },
    null,
    2,
  );
  byId('json').textContent = json;
  byId('json').hidden = false;
  const link = byId<HTMLAnchorElement>('download');
  link.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  link.hidden = false;
  showStatus(`done: ${results.length} kernels, variant ${variant}, batch ${batch}, ${runs} runs each`);
}

// URL parameters fill the form, so a run can be linked to.
const params = new URLSearchParams(location.search);
for (const id of ['batch', 'runs', 'gemm', 'only']) if (params.has(id)) field(id).value = params.get(id)!;
if (params.has('variant')) byId<HTMLSelectElement>('variant').value = params.get('variant')!;
if (params.get('peer') === '0') field('peer').checked = false;
if (params.get('resnet') === '1') field('resnet').checked = true;

runOnSubmit(run);
