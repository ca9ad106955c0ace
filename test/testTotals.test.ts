import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from './fixtures/tempDirs.ts';
import { testTotalsFromJunitXml } from './testTotals.mjs';

const tempDir = useTempDirs();

describe("npm test's totals from pytest", () => {
  it('counts passed, failed (failures and errors) and skipped tests from a real pytest --junitxml report', () => {
    const dir = tempDir('opal-pytest-totals-');
    writeFileSync(
      join(dir, 'test_probe.py'),
      [
        'import pytest',
        'def test_passes(): assert True',
        'def test_also_passes(): assert True',
        'def test_fails(): assert False',
        '@pytest.fixture',
        'def broken(): raise RuntimeError("fixture")',
        'def test_errors(broken): pass',
        '@pytest.mark.skip(reason="no data")',
        'def test_skipped(): pass',
        '',
      ].join('\n'),
    );
    const xml = join(dir, 'report.xml');
    const r = spawnSync('/usr/bin/python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${xml}`, dir], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const t = testTotalsFromJunitXml(readFileSync(xml, 'utf8'));
    expect(t).toEqual({ passed: 2, failed: 2, skipped: 1, skippedNames: ['test_probe::test_skipped'] });
  });
});
