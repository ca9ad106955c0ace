import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { makeFolder } from '../fs/makeFolder.ts';
import { writeFileAtomic } from '../fs/writeFileAtomic.ts';

const RecentSchema = z.object({ folders: z.array(z.string().max(4096)).max(50) });

/** The last opened folders (most recent first), kept in a small JSON file in the app data folder. */
export class RecentFolders {
  private folders: string[] | undefined;

  constructor(
    private readonly file: string,
    private readonly max = 10,
  ) {}

  async list(): Promise<string[]> {
    if (this.folders) return [...this.folders];
    try {
      const parsed = RecentSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      this.folders = parsed.success ? parsed.data.folders.slice(0, this.max) : [];
    } catch {
      this.folders = [];
    }
    return [...this.folders];
  }

  async add(folder: string): Promise<string[]> {
    const current = await this.list();
    this.folders = [folder, ...current.filter((f) => f !== folder)].slice(0, this.max);
    await makeFolder(dirname(this.file));
    await writeFileAtomic(this.file, JSON.stringify({ folders: this.folders }, null, 2));
    return [...this.folders];
  }
}
