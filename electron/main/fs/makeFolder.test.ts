import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { makeFolder } from './makeFolder.ts';

const tempDir = useTempDirs();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe('makeFolder', () => {
  it('creates a folder and every missing parent, and accepts one that exists', async () => {
    const root = tempDir('opal-mkdir-');
    const deep = join(root, 'a', 'b', 'c');
    await makeFolder(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeFolder(deep);
    await makeFolder(root);
  });

  it('answers E_WRITE_FAILED for a path through a file, creating nothing', async () => {
    const root = tempDir('opal-mkdir-');
    const file = join(root, 'report.pdf');
    writeFileSync(file, 'x');
    expect(await codeOf(makeFolder(join(file, 'out', 'deeper')))).toBe('E_WRITE_FAILED');
    expect(await codeOf(makeFolder(file))).toBe('E_WRITE_FAILED');
    expect(statSync(file).isFile()).toBe(true);
  });

  // Node 20's mkdir(path, {recursive: true}) never returns here (it retries the parent forever).
  it.runIf(process.platform === 'linux')('answers E_WRITE_FAILED at once for a folder inside /proc instead of spinning', async () => {
    const t0 = Date.now();
    expect(await codeOf(makeFolder('/proc/opal-no-such-folder/out'))).toBe('E_WRITE_FAILED');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(existsSync('/proc/opal-no-such-folder')).toBe(false);
  });
});
