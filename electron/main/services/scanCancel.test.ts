import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpalSession } from './OpalSession.ts';
import { createEngineServices } from './createEngineServices.ts';
import { axialSeries } from '../../../test/dicom/syntheticDicom.ts';

const work = mkdtempSync(join(tmpdir(), 'opal-scan-cancel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cancelScan (Open Folder can be cancelled, issue 17)', () => {
  it('stops the scan in progress: scanFolder rejects with E_CANCELLED, and a later scan of the folder completes', async () => {
    const study = join(work, 'study');
    mkdirSync(study, { recursive: true });
    for (const f of axialSeries(400)) writeFileSync(join(study, f.name), f.bytes);
    const session = new OpalSession({ engine: createEngineServices(), appDataDir: join(work, 'appdata'), appVersion: 'test' });
    await session.grantFolder(study, 'open');
    expect(await session.cancelScan()).toEqual({ cancelled: false });
    let cancelled: Promise<{ cancelled: boolean }> | undefined;
    const off = session.onEvent((e) => {
      if (e.type === 'scan-progress' && !cancelled) cancelled = session.cancelScan();
    });
    await expect(session.scanFolder({ path: study })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    off();
    expect(await cancelled).toEqual({ cancelled: true });
    const again = await session.scanFolder({ path: study });
    expect(again.series.map((s) => s.slices)).toEqual([400]);
  });
});
