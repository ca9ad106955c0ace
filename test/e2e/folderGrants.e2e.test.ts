import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHost, type TestHost } from '../host/startTestHost.ts';
import { writeE2eStudy } from './e2eStudy.ts';
import type { Envelope } from '../../electron/common/ipc/contract.ts';
import { cudaLibraryPresent } from '../../electron/main/inference/executionProviders.ts';

/**
 * Issue 14 point 5 (folders come from main, not from the page) and point 4 (the app's execution-
 * provider setting), through the test host's HTTP transport: the same contract, dispatch, allow-list
 * (FolderGrants) and settings store the app runs, from the built bundle. The "page" here is a plain
 * HTTP client that makes paths up, as a compromised renderer could.
 */
describe('folder allow-list and execution-provider setting over the test host', () => {
  let work: string;
  let studyDir: string;
  let outDir: string;
  let host: TestHost;

  async function call<T = unknown>(h: TestHost, method: string, args: unknown): Promise<Envelope<T>> {
    const res = await fetch(`${h.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
    return (await res.json()) as Envelope<T>;
  }
  const refused = (code: string) => ({ ok: false, error: { code } });

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'opal-grants-e2e-')));
    studyDir = join(work, 'study');
    outDir = join(work, 'out');
    await writeE2eStudy(studyDir, 128, 24);
    await mkdir(join(work, 'secret'));
    await mkdir(outDir);
    await symlink(join(work, 'secret'), join(studyDir, 'escape'));
    host = await startTestHost({ rendererDir: join(work, 'no-renderer'), appDataDir: join(work, 'appdata') });
  });
  afterAll(async () => {
    await host?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses made-up folders with E_PATH_NOT_GRANTED until the dialog hands one out', async () => {
    for (const path of [studyDir, '/etc', '/no/such/folder', join(studyDir, '..', 'secret')]) {
      expect(await call(host, 'scanFolder', { path }), path).toMatchObject(refused('E_PATH_NOT_GRANTED'));
      expect(await call(host, 'loadSeries', { path }), path).toMatchObject(refused('E_PATH_NOT_GRANTED'));
    }
    // The dialog was cancelled (nothing queued): nothing is handed out.
    expect(await call(host, 'chooseFolder', { purpose: 'open' })).toEqual({ ok: true, value: null });
    expect(await call(host, 'scanFolder', { path: studyDir })).toMatchObject(refused('E_PATH_NOT_GRANTED'));

    host.answerDialog(studyDir);
    expect(await call(host, 'chooseFolder', { purpose: 'open' })).toEqual({ ok: true, value: { path: studyDir } });
    const scan = await call<{ series: unknown[] }>(host, 'scanFolder', { path: studyDir });
    expect(scan.ok && scan.value.series.length).toBe(1);
    // Out of the chosen folder by `..` or by a link inside it: still refused.
    expect(await call(host, 'scanFolder', { path: join(studyDir, '..', 'secret') })).toMatchObject(refused('E_PATH_NOT_GRANTED'));
    expect(await call(host, 'scanFolder', { path: join(studyDir, 'escape') })).toMatchObject(refused('E_PATH_NOT_GRANTED'));
    expect(await call(host, 'scanFolder', { path: join(studyDir, 'escape', 'x') })).toMatchObject(refused('E_PATH_NOT_GRANTED'));
  });

  it('keeps the execution-provider setting, uses it for the next run and records it in the provenance; exports only into a chosen output folder', async () => {
    expect(await call(host, 'getSettings', {})).toEqual({ ok: true, value: { executionProvider: 'auto' } });
    expect(await call(host, 'setSettings', { executionProvider: 'tpu' })).toMatchObject(refused('E_BAD_ARGUMENT'));
    expect(await call(host, 'setSettings', { executionProvider: 'cpu' })).toEqual({ ok: true, value: { executionProvider: 'cpu' } });
    expect(JSON.parse(await readFile(join(work, 'appdata', 'settings.json'), 'utf8'))).toEqual({ executionProvider: 'cpu' });

    const info = await call<{ handle: string }>(host, 'loadSeries', { path: studyDir });
    if (!info.ok) throw new Error(info.error.message);
    const volumeHandle = info.value.handle;
    const seg = await call<{ executionProvider: string }>(host, 'segment', { volumeHandle });
    if (!seg.ok) throw new Error(seg.error.message);
    expect(seg.value.executionProvider).toBe('cpu');

    // Exports: a made-up folder, the study folder (handed out to open, not to write) and a link out are refused.
    for (const dir of [join(work, 'made-up'), '/tmp', studyDir, join(studyDir, 'escape')]) {
      expect(await call(host, 'exportResults', { volumeHandle, outDir: dir, formats: ['json'] }), dir).toMatchObject(refused('E_PATH_NOT_GRANTED'));
    }
    expect(existsSync(join(work, 'made-up'))).toBe(false);
    host.answerDialog(outDir);
    expect(await call(host, 'chooseFolder', { purpose: 'export' })).toEqual({ ok: true, value: { path: outDir } });
    // A new folder inside the chosen one is allowed and created.
    const ex = await call<{ outDir: string; files: string[] }>(host, 'exportResults', { volumeHandle, outDir: join(outDir, 'run1'), formats: ['json'] });
    if (!ex.ok) throw new Error(ex.error.message);
    expect(ex.value.outDir).toBe(join(outDir, 'run1'));
    const doc = JSON.parse(await readFile(join(outDir, 'run1', 'measurements.json'), 'utf8')) as { model: Record<string, unknown> };
    expect(doc.model).toMatchObject({ executionProvider: 'cpu', executionProviderSetting: 'cpu' });
  });

  it('a forced provider is what the next run asks onnxruntime for; back to automatic, the checked choice runs', async () => {
    const info = await call<{ handle: string }>(host, 'loadSeries', { path: studyDir });
    if (!info.ok) throw new Error(info.error.message);
    const volumeHandle = info.value.handle;
    expect((await call(host, 'setSettings', { executionProvider: 'cuda' })).ok).toBe(true);
    const forced = await call<{ executionProvider: string }>(host, 'segment', { volumeHandle });
    if (cudaLibraryPresent()) {
      expect(forced).toMatchObject({ ok: true, value: { executionProvider: 'cuda' } });
    } else {
      // No CUDA provider installed here: the forced choice is tried as chosen, and fails with a code (no silent CPU run).
      expect(forced).toMatchObject(refused('E_MODEL_LOAD'));
      expect(forced.ok ? '' : forced.error.message).toMatch(/cuda/i);
    }
    expect((await call(host, 'setSettings', { executionProvider: 'auto' })).ok).toBe(true);
    const auto = await call<{ executionProvider: string }>(host, 'segment', { volumeHandle });
    if (!auto.ok) throw new Error(auto.error.message);
    host.answerDialog(outDir);
    await call(host, 'chooseFolder', { purpose: 'export' });
    const ex = await call(host, 'exportResults', { volumeHandle, outDir: join(outDir, 'run2'), formats: ['json'] });
    expect(ex.ok).toBe(true);
    const doc = JSON.parse(await readFile(join(outDir, 'run2', 'measurements.json'), 'utf8')) as { model: Record<string, unknown> };
    expect(doc.model).toMatchObject({ executionProvider: auto.value.executionProvider, executionProviderSetting: 'auto' });
    expect((await call(host, 'setSettings', { executionProvider: 'cpu' })).ok).toBe(true);
  });

  it('a new session keeps the setting and may reopen a recent folder (stored by main), not others', async () => {
    const again = await startTestHost({ rendererDir: join(work, 'no-renderer'), appDataDir: join(work, 'appdata') });
    try {
      expect(await call(again, 'getSettings', {})).toEqual({ ok: true, value: { executionProvider: 'cpu' } });
      expect(await call(again, 'listRecentFolders', {})).toEqual({ ok: true, value: [studyDir] });
      expect((await call(again, 'scanFolder', { path: studyDir })).ok).toBe(true);
      expect(await call(again, 'scanFolder', { path: join(work, 'secret') })).toMatchObject(refused('E_PATH_NOT_GRANTED'));
      // The export grant of the earlier session is gone.
      expect(await call(again, 'chooseFolder', { purpose: 'export' })).toEqual({ ok: true, value: null });
    } finally {
      await again.close();
    }
  });
});
