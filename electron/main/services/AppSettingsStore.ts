import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppSettingsSchema, DEFAULT_APP_SETTINGS, type AppSettings } from '../../common/ipc/contract.ts';
import { makeFolder } from '../fs/makeFolder.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

/**
 * The app's settings (contract AppSettings), kept as settings.json in the app's data folder and
 * validated with the contract's schema both ways: a damaged or hand-edited file that does not
 * parse gives the defaults (each field on its own, so one bad value does not reset the others).
 */
export class AppSettingsStore {
  private current: AppSettings | undefined;

  constructor(readonly file: string) {}

  async get(): Promise<AppSettings> {
    if (this.current) return { ...this.current };
    let stored: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stored = parsed as Record<string, unknown>;
    } catch {
      // missing or unreadable: the defaults
    }
    const settings: AppSettings = { ...DEFAULT_APP_SETTINGS };
    for (const key of Object.keys(DEFAULT_APP_SETTINGS) as (keyof AppSettings)[]) {
      const field = AppSettingsSchema.shape[key].safeParse(stored[key]);
      if (field.success) settings[key] = field.data;
    }
    this.current = settings;
    return { ...settings };
  }

  /** Merges a validated change and writes the file atomically; returns the settings now in force. */
  async set(change: Partial<AppSettings>): Promise<AppSettings> {
    const next = AppSettingsSchema.parse({ ...(await this.get()), ...change });
    await makeFolder(dirname(this.file));
    await writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    return { ...next };
  }
}
