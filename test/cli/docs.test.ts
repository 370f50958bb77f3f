// The docs that are generated from the code are what the code says now.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('docs', () => {
  it("docs/cli.md is each tool's --help as built (node tools/make-cli-docs.mjs)", () => {
    expect(() =>
      execFileSync(process.execPath, ['tools/make-cli-docs.mjs', '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
