import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../../test/fixtures/tempDirs.ts';
import { AppSettingsStore } from './AppSettingsStore.ts';

const tempDir = useTempDirs();

describe('AppSettingsStore (settings.json in the app data folder)', () => {
  it('starts from the defaults, keeps a change on disk and reads it back in a new store', async () => {
    const file = join(tempDir('opal-settings-'), 'userData', 'settings.json');
    expect(await new AppSettingsStore(file).get()).toEqual({ executionProvider: 'auto' });
    expect(await new AppSettingsStore(file).set({ executionProvider: 'cpu' })).toEqual({ executionProvider: 'cpu' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ executionProvider: 'cpu' });
    expect(await new AppSettingsStore(file).get()).toEqual({ executionProvider: 'cpu' });
  });

  it('refuses a value outside the contract and keeps the stored one', async () => {
    const file = join(tempDir('opal-settings-'), 'settings.json');
    const store = new AppSettingsStore(file);
    await store.set({ executionProvider: 'dml' });
    await expect(store.set({ executionProvider: 'tpu' as never })).rejects.toThrow();
    expect(await new AppSettingsStore(file).get()).toEqual({ executionProvider: 'dml' });
  });

  it('a damaged or hand-edited file gives the defaults for what does not parse', async () => {
    const dir = tempDir('opal-settings-');
    for (const [text, expected] of [
      ['{not json', 'auto'],
      ['[1,2]', 'auto'],
      ['{"executionProvider":"tpu"}', 'auto'],
      ['{"executionProvider":"coreml","unknown":1}', 'coreml'],
    ] as const) {
      const file = join(dir, `s-${expected}-${text.length}.json`);
      writeFileSync(file, text);
      expect(await new AppSettingsStore(file).get(), text).toEqual({ executionProvider: expected });
    }
  });
});
