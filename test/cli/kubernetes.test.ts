// docs/cluster.md's Kubernetes Indexed Job, checked against the batch/v1 Job schema of
// Kubernetes 1.30 (kubernetes-types 1.30.0, generated from that release's OpenAPI): the YAML as
// the docs print it becomes an object literal that must satisfy `Job` under TypeScript's strict
// checks, which refuse any field that version does not have, a wrong type, or a missing
// required field at any depth. A field of no release and a wrong type are refused, to show the
// check can fail.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { docsBlock } from '../support/docs.js';

const KUBERNETES = '1.30';
const dir = mkdtempSync(join(tmpdir(), 'kubernetes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** TypeScript's errors for `value` as a batch/v1 Job, one line each. */
function jobErrors(value: unknown): string[] {
  const file = join(dir, 'job.ts');
  writeFileSync(
    file,
    "import type { Job } from 'kubernetes-types/batch/v1';\n" +
      `export const job = ${JSON.stringify(value, null, 2)} satisfies Job;\n`,
  );
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    baseUrl: resolve('.'),
    typeRoots: [],
    paths: { 'kubernetes-types/*': [resolve('node_modules/kubernetes-types/*')] },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))
    .map((m) => m.replace(/\s+/g, ' '));
}

describe('the docs Kubernetes Indexed Job', () => {
  const yaml = docsBlock('apiVersion: batch/v1');
  const job = parse(yaml) as Record<string, unknown>;

  it(`is a batch/v1 Job of Kubernetes ${KUBERNETES}, Indexed, reading its completion index`, () => {
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' } });
    expect(yaml).toMatch(/--shard \$\{JOB_COMPLETION_INDEX\}\/8/);
    expect(jobErrors(job)).toEqual([]);
    const types = JSON.parse(readFileSync('node_modules/kubernetes-types/package.json', 'utf8')) as { version: string };
    expect(types.version.startsWith(`${KUBERNETES}.`)).toBe(true);
  });

  it('refuses a field no release has, a wrong type and a missing required field', () => {
    const spec = job.spec as Record<string, unknown>;
    const unknown = jobErrors({ ...job, spec: { ...spec, completionsMode: 'Indexed' } });
    expect(unknown.join('\n')).toMatch(/'"completionsMode"' does not exist in type 'JobSpec'/);
    const wrongType = jobErrors({ ...job, spec: { ...spec, parallelism: 'eight' } });
    expect(wrongType.join('\n')).toMatch(/Type 'string' is not assignable to type 'number'/);
    const { template: _, ...noTemplate } = spec;
    expect(jobErrors({ ...job, spec: noTemplate }).join('\n')).toMatch(/Property 'template' is missing/);
  });
});
