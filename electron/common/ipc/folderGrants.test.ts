import { describe, expect, it } from 'vitest';
import { FolderGrantList, isSameOrInside, POSIX_PATHS, WINDOWS_PATHS } from './folderGrants.ts';

describe('isSameOrInside', () => {
  it('accepts the folder itself and paths below it, whole segments only', () => {
    expect(isSameOrInside('/data/ct', '/data/ct')).toBe(true);
    expect(isSameOrInside('/data/ct', '/data/ct/')).toBe(true);
    expect(isSameOrInside('/data/ct/', '/data/ct/series1/IM0001.dcm')).toBe(true);
    expect(isSameOrInside('/data/ct', '/data/ct2')).toBe(false);
    expect(isSameOrInside('/data/ct', '/data')).toBe(false);
    expect(isSameOrInside('/data/ct', '/etc/passwd')).toBe(false);
    expect(isSameOrInside('/', '/anything/at/all')).toBe(true);
  });

  it('never lets `..`, `.` or a relative path through', () => {
    expect(isSameOrInside('/data/ct', '/data/ct/../../etc')).toBe(false);
    expect(isSameOrInside('/data/ct', '/data/ct/./x')).toBe(false);
    expect(isSameOrInside('/data/ct', 'data/ct/x')).toBe(false);
    expect(isSameOrInside('data/ct', 'data/ct/x')).toBe(false);
    expect(isSameOrInside('/data/ct/..', '/data/x')).toBe(false);
  });

  it('compares Windows paths without case and with backslashes', () => {
    expect(isSameOrInside('C:\\Studies\\CT', 'c:\\studies\\ct\\S1', WINDOWS_PATHS)).toBe(true);
    expect(isSameOrInside('C:\\Studies\\CT', 'C:\\Studies\\CT2', WINDOWS_PATHS)).toBe(false);
    expect(isSameOrInside('C:\\', 'C:\\x', WINDOWS_PATHS)).toBe(true);
    expect(isSameOrInside('C:\\Studies', 'C:\\Studies\\..\\Windows', WINDOWS_PATHS)).toBe(false);
    expect(isSameOrInside('C:\\Studies', '/Studies', WINDOWS_PATHS)).toBe(false);
    // POSIX names are case sensitive.
    expect(isSameOrInside('/Data', '/data', POSIX_PATHS)).toBe(false);
  });
});

describe('FolderGrantList', () => {
  it('keeps open and export grants apart', () => {
    const g = new FolderGrantList();
    g.add('/studies/a', 'open');
    g.add('/out', 'export');
    expect(g.rootOf('/studies/a/series', 'open')).toBe('/studies/a');
    expect(g.rootOf('/studies/a/series', 'export')).toBeUndefined();
    expect(g.rootOf('/out/run1', 'export')).toBe('/out');
    expect(g.rootOf('/out', 'open')).toBeUndefined();
    expect(g.rootOf('/elsewhere', 'open')).toBeUndefined();
    // Folders the main process stored itself (recent folders) count as handed out.
    expect(g.rootOf('/recent/x/y', 'open', ['/recent/x'])).toBe('/recent/x');
  });

  it('refuses a relative folder and forgets the oldest grant beyond its size', () => {
    const g = new FolderGrantList(POSIX_PATHS, 2);
    expect(() => g.add('relative', 'open')).toThrow(/absolute/);
    g.add('/a', 'open');
    g.add('/b', 'open');
    g.add('/a', 'open'); // re-granting makes it the newest
    g.add('/c', 'open');
    expect(g.list('open')).toEqual(['/a', '/c']);
    expect(g.rootOf('/b/x', 'open')).toBeUndefined();
  });
});
