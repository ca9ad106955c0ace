import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalPath, FolderGrants } from './FolderGrants.ts';

describe('FolderGrants (realpath-checked allow-list)', () => {
  let work: string;
  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-grants-')));
    await mkdir(join(work, 'study', 'series1'), { recursive: true });
    await mkdir(join(work, 'secret'), { recursive: true });
    await mkdir(join(work, 'out'), { recursive: true });
    await writeFile(join(work, 'study', 'series1', 'IM1.dcm'), 'x');
    await symlink(join(work, 'secret'), join(work, 'study', 'escape'));
    await symlink(join(work, 'nowhere'), join(work, 'out', 'dangling'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('a granted folder and what lies inside it pass; the canonical path comes back', async () => {
    const g = new FolderGrants();
    expect(await g.grant(join(work, 'study'), 'open')).toBe(join(work, 'study'));
    expect(await g.check(join(work, 'study'), 'open')).toBe(join(work, 'study'));
    expect(await g.check(join(work, 'study', 'series1', 'IM1.dcm'), 'open')).toBe(join(work, 'study', 'series1', 'IM1.dcm'));
    expect(await g.check(`${join(work, 'study', 'series1')}/../series1`, 'open')).toBe(join(work, 'study', 'series1'));
  });

  it('refuses a made-up path, a sibling, `..` out of the folder and a link out of it with E_PATH_NOT_GRANTED', async () => {
    const g = new FolderGrants();
    await g.grant(join(work, 'study'), 'open');
    for (const p of ['/etc', '/no/such/folder/made/up', join(work, 'secret'), join(work, 'study', '..', 'secret'), join(work, 'study', 'escape'), join(work, 'study', 'escape', 'x'), join(work, 'study2')]) {
      await expect(g.check(p, 'open'), p).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    }
    await expect(g.check(join(work, 'study', 'escape'), 'open')).rejects.toThrow(/really .*secret/);
  });

  it('keeps purposes apart: an open grant is no export grant', async () => {
    const g = new FolderGrants();
    await g.grant(join(work, 'study'), 'open');
    await expect(g.check(join(work, 'study'), 'export')).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    await g.grant(join(work, 'out'), 'export');
    // A folder still to be created inside the export folder is allowed.
    expect(await g.check(join(work, 'out', 'run1', 'a'), 'export')).toBe(join(work, 'out', 'run1', 'a'));
    await expect(g.check(join(work, 'out'), 'open')).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    // A link inside to nowhere is not followed.
    await expect(g.check(join(work, 'out', 'dangling', 'x'), 'export')).rejects.toThrow(/link to something that does not exist/);
  });

  it('stored folders (recent folders) count as handed out, resolved with realpath too', async () => {
    const g = new FolderGrants(async (purpose) => (purpose === 'open' ? [join(work, 'study'), join(work, 'gone')] : []));
    expect(await g.check(join(work, 'study', 'series1'), 'open')).toBe(join(work, 'study', 'series1'));
    await expect(g.check(join(work, 'study', 'escape'), 'open')).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    await expect(g.check(join(work, 'study'), 'export')).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
  });

  it('grants only existing folders', async () => {
    const g = new FolderGrants();
    await expect(g.grant(join(work, 'missing'), 'open')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(g.grant(join(work, 'study', 'series1', 'IM1.dcm'), 'open')).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    expect(g.granted('open')).toEqual([]);
  });

  it('canonicalPath resolves links in the existing part and appends the missing names', async () => {
    expect(await canonicalPath(join(work, 'study', 'escape', 'new', 'deeper'))).toBe(join(work, 'secret', 'new', 'deeper'));
    expect(await canonicalPath(join(work, 'study', 'series1', '..', '..', 'out'))).toBe(join(work, 'out'));
  });
});
