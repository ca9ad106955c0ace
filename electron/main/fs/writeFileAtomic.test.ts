import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './writeFileAtomic.ts';

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opal-atomic-'));
    const p = join(dir, 'a.json');
    await writeFile(p, 'old');
    await writeFileAtomic(p, 'new');
    expect(await readFile(p, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('fails with E_WRITE_FAILED into a missing folder and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opal-atomic-'));
    await expect(writeFileAtomic(join(dir, 'nope', 'a.bin'), new Uint8Array(4))).rejects.toMatchObject({ code: 'E_WRITE_FAILED' });
    expect(await readdir(dir)).toEqual([]);
  });
});
