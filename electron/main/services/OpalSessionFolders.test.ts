import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeE2eStudy } from '../../../test/e2e/e2eStudy.ts';
import { createEngineServices } from './createEngineServices.ts';
import { OpalSession } from './OpalSession.ts';

/** How folders reach the session: the main process's dialog, a drop, nothing the renderer makes up. */
describe('OpalSession folder hand-out', () => {
  let work: string;
  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-session-folders-')));
    await writeE2eStudy(join(work, 'study'), 32, 4);
    await mkdir(join(work, 'other'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const session = (answers: (string | undefined)[] = []) =>
    new OpalSession({ engine: createEngineServices(), appDataDir: join(work, `appdata-${Math.random()}`), appVersion: 'test', chooseFolder: async () => answers.shift() });

  it('chooseFolder grants what the dialog answered, for that purpose only; a cancelled dialog grants nothing', async () => {
    const s = session([undefined, join(work, 'study')]);
    expect(await s.chooseFolder({ purpose: 'open' })).toBeNull();
    await expect(s.scanFolder({ path: join(work, 'study') })).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    expect(await s.chooseFolder({ purpose: 'open' })).toEqual({ path: join(work, 'study') });
    expect((await s.scanFolder({ path: join(work, 'study') })).series).toHaveLength(1);
    await expect(s.scanFolder({ path: join(work, 'other') })).rejects.toMatchObject({ code: 'E_PATH_NOT_GRANTED' });
    expect(s.grants.granted('export')).toEqual([]);
  });

  it('without a dialog (no main process behind it) chooseFolder refuses', async () => {
    const s = new OpalSession({ engine: createEngineServices(), appDataDir: join(work, 'appdata-none'), appVersion: 'test' });
    await expect(s.chooseFolder({ purpose: 'open' })).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });

  it('a dropped folder, or a dropped file (its folder), is handed out to open', async () => {
    const s = session();
    expect(await s.grantDropped(join(work, 'study'))).toEqual({ path: join(work, 'study') });
    const t = session();
    const file = join(work, 'study', 'CT0001.dcm');
    expect(await t.grantDropped(file)).toEqual({ path: file });
    expect((await t.loadSeries({ path: join(work, 'study') })).dims).toEqual([32, 32, 4]);
    await expect(t.grantDropped(join(work, 'missing'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
