import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../../renderer/src/panels/shortcutHelp.ts';

describe('shortcut list', () => {
  it('README.md documents every shortcut the ? help lists', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| Keys / mouse | Action |'));
    for (const s of SHORTCUTS) {
      // Each key of "A / B" combinations appears in the README's shortcut table.
      for (const key of s.keys.split(' / ')) expect(table, s.keys).toContain(key);
    }
  });

  it('has no key bound twice', () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys.split(' / '));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
