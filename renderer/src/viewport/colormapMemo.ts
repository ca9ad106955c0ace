/**
 * Memoises a volume viewport's `getColormap` until one of its actors' transfer functions changes.
 *
 * Why: in cornerstone3D 5.14, `getSpacingInNormal` reads `viewport.getProperties().slabThickness`,
 * and `getProperties` rebuilds the colormap each time through vtk's `getState()` (a deep
 * serialisation of the colour transfer function) plus a search of every registered colormap. The
 * crosshairs tool and the slice read-outs reach that path dozens of times per frame, which cost
 * ~4 ms of main-thread time per slice step in the viewer bench. The result depends only on the
 * actors' colour and opacity functions, and vtk's `vtkVolumeProperty.getMTime()` covers exactly
 * those (it takes the max over its transfer functions' modification times), so their MTime is the
 * cache key. Each caller gets its own shallow copy, as it would from the original.
 */

interface MTimed {
  getMTime(): number;
}
interface ActorEntryLike {
  actor: { getProperty?: () => MTimed | undefined };
}
export interface ColormapViewportLike<C extends object> {
  getActors(): ActorEntryLike[];
  getColormap: (volumeId?: string) => C | undefined;
}

/** Key of the current transfer functions of every actor in the viewport. */
export function transferFunctionKey(actors: ActorEntryLike[]): string {
  let key = '';
  for (const a of actors) key += `${a.actor.getProperty?.()?.getMTime() ?? -1},`;
  return key;
}

export function memoiseColormap<C extends object>(viewport: ColormapViewportLike<C>): void {
  const original = viewport.getColormap;
  const cache = new Map<string, C | undefined>();
  let cacheKey = '';
  viewport.getColormap = (volumeId?: string) => {
    const key = transferFunctionKey(viewport.getActors());
    if (key !== cacheKey) {
      cache.clear();
      cacheKey = key;
    }
    const slot = volumeId ?? '';
    if (!cache.has(slot)) cache.set(slot, original(volumeId));
    const value = cache.get(slot);
    return value === undefined ? undefined : { ...value };
  };
}
