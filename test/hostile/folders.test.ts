// Dataset folders as people leave them: links are followed, nested folders and names that are
// not valid UTF-8 are skipped and said (not silently, not as a raw ENOENT), and class names
// that differ only by Unicode normalization are refused.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, readImageFolders } from '../../src/data/folders.node.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const JPEG = 'test/fixtures/jpeg/baseline-420.jpg';
let count = 0;

/** ROOT/{train,validation}/{alien,predator}/0.jpg */
function dataset(): string {
  const dir = join(root, `d${count++}`);
  for (const split of ['train', 'validation']) {
    for (const c of ['alien', 'predator']) {
      mkdirSync(join(dir, split, c), { recursive: true });
      copyFileSync(JPEG, join(dir, split, c, '0.jpg'));
    }
  }
  return dir;
}

/** Root reads every file; an unreadable one needs another user (nobody), which root can run. */
const asNobody = process.getuid?.() === 0 && existsSync('dist/train.js');

describe('dataset folders', () => {
  it.skipIf(!asNobody)('an unreadable image ends in one line naming it, with the flag to skip such files', () => {
    const dir = dataset();
    const secret = join(dir, 'train', 'alien', 'secret.jpg');
    copyFileSync(JPEG, secret);
    for (const d of [root, dir]) chmodSync(d, 0o755);
    chmodSync(secret, 0o000);
    const out = join(root, 'nobody-out');
    mkdirSync(out);
    chmodSync(out, 0o777);
    const args = ['dist/train.js', '--data', dir, '--weights', 'random:1', '--out', join(out, 'model')];
    const r = spawnSync(process.execPath, args, {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', HOME: '/tmp' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `error: ${secret}: cannot read (permission denied) (use --skip-bad-images to skip such files)`,
    );
  });

  it('follows linked files and linked class folders', () => {
    const dir = dataset();
    symlinkSync(join(process.cwd(), JPEG), join(dir, 'train', 'alien', 'linked.jpg'));
    const elsewhere = join(root, 'elsewhere-yeti');
    mkdirSync(elsewhere, { recursive: true });
    copyFileSync(JPEG, join(elsewhere, '0.jpg'));
    symlinkSync(elsewhere, join(dir, 'train', 'yeti'));
    symlinkSync(elsewhere, join(dir, 'validation', 'yeti'));
    const d = readImageFolders(dir);
    expect(d.classes).toEqual(['alien', 'predator', 'yeti']);
    expect(d.splits.train.map((s) => s.file.slice(dir.length))).toContain('/train/alien/linked.jpg');
    // A link loop and a broken link are said, not silently dropped; a link to a parent is a nested folder.
    const alien = join(dir, 'train', 'alien');
    symlinkSync(join(alien, 'loop.jpg'), join(alien, 'loop.jpg'));
    symlinkSync(join(root, 'gone.jpg'), join(alien, 'gone.jpg'));
    symlinkSync(alien, join(alien, 'again'));
    expect(readImageFolders(dir).notes).toEqual([
      `${join(alien, 'gone.jpg')}: skipped, a broken link`,
      `${join(alien, 'loop.jpg')}: skipped, a symbolic link loop`,
      `${alien}: 1 nested folder(s) skipped (images must sit directly in the class folder)`,
    ]);
  });

  it('says which nested folders it skipped, also when they leave a class empty', () => {
    const dir = dataset();
    mkdirSync(join(dir, 'train', 'alien', 'more'));
    copyFileSync(JPEG, join(dir, 'train', 'alien', 'more', '1.jpg'));
    expect(readImageFolders(dir).notes).toEqual([
      `${join(dir, 'train', 'alien')}: 1 nested folder(s) skipped (images must sit directly in the class folder)`,
    ]);
    rmSync(join(dir, 'train', 'predator', '0.jpg'));
    mkdirSync(join(dir, 'train', 'predator', 'sub'));
    expect(() => readImageFolders(dir)).toThrow(
      `${join(dir, 'train', 'predator')}: no JPEG, PNG, BMP, GIF or WebP images; 1 nested folder(s) skipped`,
    );
  });

  it('skips a file whose name is not valid UTF-8 and says so', () => {
    const dir = dataset();
    const folder = join(dir, 'train', 'alien');
    writeFileSync(Buffer.concat([Buffer.from(`${folder}/bad`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]), 'x');
    const d = readImageFolders(dir);
    expect(d.splits.train).toHaveLength(2);
    expect(d.notes).toEqual([expect.stringMatching(/alien: skipped a file whose name is not valid UTF-8/)]);
  });

  it('refuses class folders whose names differ only by Unicode normalization', () => {
    const dir = dataset();
    for (const split of ['train', 'validation']) {
      for (const name of ['caf\u00e9', 'cafe\u0301']) {
        mkdirSync(join(dir, split, name));
        copyFileSync(JPEG, join(dir, split, name, '0.jpg'));
      }
    }
    expect(() => readImageFolders(dir)).toThrow(DataError);
    expect(() => readImageFolders(dir)).toThrow(/two class folders have the same name in different Unicode forms/);
  });
});
