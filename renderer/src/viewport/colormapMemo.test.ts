import { describe, expect, it } from 'vitest';
import { memoiseColormap, type ColormapViewportLike } from './colormapMemo.ts';

function fakeViewport() {
  let mtime = 1;
  let calls = 0;
  let name = 'Grayscale';
  const vp: ColormapViewportLike<{ name: string }> = {
    getActors: () => [{ actor: { getProperty: () => ({ getMTime: () => mtime }) } }, { actor: {} }],
    getColormap: (volumeId?: string) => {
      calls++;
      return { name: `${name}:${volumeId ?? 'default'}` };
    },
  };
  return {
    vp,
    calls: () => calls,
    modify: (next: string) => {
      name = next;
      mtime++;
    },
  };
}

describe('memoiseColormap', () => {
  it('computes once per volume while the transfer functions are unchanged', () => {
    const f = fakeViewport();
    memoiseColormap(f.vp);
    for (let i = 0; i < 5; i++) expect(f.vp.getColormap('ct')).toEqual({ name: 'Grayscale:ct' });
    expect(f.vp.getColormap()).toEqual({ name: 'Grayscale:default' });
    expect(f.calls()).toBe(2);
  });

  it('recomputes after any actor property changes (its MTime moves)', () => {
    const f = fakeViewport();
    memoiseColormap(f.vp);
    f.vp.getColormap('ct');
    f.modify('Hot Iron');
    expect(f.vp.getColormap('ct')).toEqual({ name: 'Hot Iron:ct' });
    expect(f.calls()).toBe(2);
  });

  it('hands each caller its own copy, so a caller mutating it cannot corrupt the cache', () => {
    const f = fakeViewport();
    memoiseColormap(f.vp);
    const a = f.vp.getColormap('ct')!;
    a.name = 'mutated';
    expect(f.vp.getColormap('ct')).toEqual({ name: 'Grayscale:ct' });
  });
});
