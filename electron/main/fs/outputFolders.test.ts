import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { writePhantomSeries } from '../phantom/writePhantomSeries.ts';
import { RecentFolders } from '../services/RecentFolders.ts';
import { AppSettingsStore } from '../services/AppSettingsStore.ts';

const tempDir = useTempDirs();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

/** Issue 14 point 5: every folder OPAL creates for a path it was given goes through makeFolder (no recursive mkdir). */
describe('output folders are made with makeFolder', () => {
  const tiny = { size: 32, slices: 2 } as const;

  it.runIf(process.platform === 'linux')('opal phantom --out into /proc answers E_WRITE_FAILED at once', async () => {
    const t0 = Date.now();
    expect(await codeOf(writePhantomSeries('/proc/opal-no-such-folder/phantom', tiny))).toBe('E_WRITE_FAILED');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a file in the way of the phantom folder answers E_WRITE_FAILED and is left alone', async () => {
    const root = tempDir('opal-outfolders-');
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(await codeOf(writePhantomSeries(join(file, 'phantom'), tiny))).toBe('E_WRITE_FAILED');
    expect(statSync(file).isFile()).toBe(true);
    // A missing parent chain is created.
    const deep = join(root, 'new', 'deeper', 'phantom');
    const r = await writePhantomSeries(deep, tiny);
    expect(r.files.length).toBe(2);
    expect(existsSync(r.files[0])).toBe(true);
  });

  it('the app data files (recent folders, settings) answer E_WRITE_FAILED when their folder cannot exist', async () => {
    const root = tempDir('opal-outfolders-');
    const file = join(root, 'userData');
    writeFileSync(file, 'x');
    expect(await codeOf(new RecentFolders(join(file, 'recent-folders.json')).add('/somewhere'))).toBe('E_WRITE_FAILED');
    expect(await codeOf(new AppSettingsStore(join(file, 'settings.json')).set({ executionProvider: 'cpu' }))).toBe('E_WRITE_FAILED');
  });
});
