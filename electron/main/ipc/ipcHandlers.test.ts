import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIpcHandlers } from './registerIpcHandlers.ts';
import { isTrustedSender } from './senderCheck.ts';
import { OpalSession } from '../services/OpalSession.ts';
import { createEngineServices } from '../services/createEngineServices.ts';
import { METHOD_NAMES, channelOf } from '../../common/ipc/contract.ts';

const appUrl = 'file:///opt/opal/renderer/dist/index.html';
const fromApp = { senderFrame: { url: appUrl } } as never;

function handlers() {
  const session = new OpalSession({ engine: createEngineServices(), appDataDir: mkdtempSync(join(tmpdir(), 'opal-ipc-')), appVersion: 'test' });
  return buildIpcHandlers(session, appUrl);
}

describe('IPC handlers generated from the contract', () => {
  it('registers exactly one channel per contract method', () => {
    expect([...handlers().keys()].sort()).toEqual(METHOD_NAMES.map(channelOf).sort());
  });

  it('refuses a request from a foreign origin or a frame without a URL', async () => {
    const h = handlers().get(channelOf('getAppInfo'))!;
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', undefined]) {
      const r = await h({ senderFrame: url ? { url } : null } as never, {});
      expect(r).toMatchObject({ ok: false, error: { code: 'E_BAD_ARGUMENT' } });
      expect(r.ok ? '' : r.error.message).toMatch(/did not come from the OPAL window/);
    }
  });

  it('answers a good request from the app with an ok envelope', async () => {
    const r = await handlers().get(channelOf('getAppInfo'))!(fromApp, {});
    expect(r.ok).toBe(true);
    expect(r.ok && (r.value as { notice: string }).notice).toMatch(/not a medical device/);
  });

  it('rejects bad arguments with E_BAD_ARGUMENT naming the field', async () => {
    const h = handlers();
    const cases: [string, unknown, RegExp][] = [
      ['scanFolder', { path: '' }, /path/],
      ['scanFolder', { path: 'a'.repeat(5000) }, /path/],
      ['scanFolder', { path: '/x\0y' }, /NUL/],
      ['scanFolder', { path: '/x', extra: 1 }, /arguments|extra/i],
      ['loadSeries', { path: '/x', seriesInstanceUid: '1.2.abc' }, /seriesInstanceUid/],
      ['segment', { volumeHandle: '../../etc' }, /volumeHandle/],
      ['segment', {}, /volumeHandle/],
      ['commitStroke', { volumeHandle: 'v0123456789ab', diff: { indices: [1, 2], values: [1] } }, /differ in length/],
      ['commitStroke', { volumeHandle: 'v0123456789ab', diff: { indices: [-1], values: [1] } }, /indices/],
      ['commitStroke', { volumeHandle: 'v0123456789ab', diff: { indices: [1], values: [256] } }, /values/],
      ['commitStroke', { volumeHandle: 'v0123456789ab', diff: { indices: [1, 2], values: [1, 3] } }, /values/], // label 3 does not exist
      ['commitStroke', { volumeHandle: 'v0123456789ab', diff: { indices: [Number.NaN], values: [1] } }, /indices/],
      ['removeSmallIslands', { volumeHandle: 'v0123456789ab', minVolumeMl: 0 }, /minVolumeMl/],
      ['interpolateSlices', { volumeHandle: 'v0123456789ab', maxGapSlices: 2.5 }, /maxGapSlices/],
      ['interpolateSlices', { volumeHandle: 'v0123456789ab', maxGapSlices: 0 }, /maxGapSlices/],
      ['fillHoles', { volumeHandle: 'v0123456789ab', extra: 1 }, /extra|Unrecognized/i],
      ['removeSmallIslands', { volumeHandle: 'v0123456789ab', minVolumeMl: 'big' }, /minVolumeMl/],
      ['removeSmallIslands', { volumeHandle: 'v0123456789ab', minVolumeMl: 1, extra: true }, /extra|Unrecognized/i],
      ['exportResults', { volumeHandle: 'v0123456789ab', outDir: '/tmp/x', formats: ['exe'] }, /formats/],
      ['exportResults', { volumeHandle: 'v0123456789ab', outDir: '/tmp/x', formats: [] }, /formats/],
      ['setSettings', { executionProvider: 'tpu' }, /executionProvider/],
      ['setSettings', { executionProvider: 'cpu', theme: 'dark' }, /theme|Unrecognized/i],
      ['chooseFolder', { purpose: 'anywhere' }, /purpose/],
      ['chooseFolder', { purpose: 'open', path: '/etc' }, /path|Unrecognized/i],
    ];
    for (const [method, args, field] of cases) {
      const r = await h.get(channelOf(method as never))!(fromApp, args);
      expect(r.ok, `${method} ${JSON.stringify(args).slice(0, 80)}`).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('E_BAD_ARGUMENT');
        expect(r.error.message).toMatch(field);
      }
    }
  });

  it("passes the engine's coded errors through: a folder not handed out is E_PATH_NOT_GRANTED, an unknown handle E_BAD_ARGUMENT", async () => {
    const h = handlers();
    const r = await h.get(channelOf('scanFolder'))!(fromApp, { path: join(tmpdir(), 'opal-no-such-folder-7d1') });
    expect(r).toMatchObject({ ok: false, error: { code: 'E_PATH_NOT_GRANTED' } });
    const e = await h.get(channelOf('exportResults'))!(fromApp, { volumeHandle: 'v0123456789ab', outDir: tmpdir(), formats: ['json'] });
    expect(e).toMatchObject({ ok: false, error: { code: 'E_BAD_ARGUMENT' } }); // the handle is checked first
    const u = await h.get(channelOf('undo'))!(fromApp, { volumeHandle: 'v0123456789ab' });
    expect(u).toMatchObject({ ok: false, error: { code: 'E_BAD_ARGUMENT' } });
  });
});

describe('isTrustedSender', () => {
  it('accepts only the app page (file path or http origin)', () => {
    expect(isTrustedSender(appUrl, appUrl)).toBe(true);
    expect(isTrustedSender(`${appUrl}#x`, appUrl)).toBe(true);
    expect(isTrustedSender('file:///opt/opal/other.html', appUrl)).toBe(false);
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173/index.html')).toBe(true);
    expect(isTrustedSender('http://evil:5173/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedSender('', appUrl)).toBe(false);
    expect(isTrustedSender('::', appUrl)).toBe(false);
  });
});
