/**
 * The resolution cornerstone3D renders its viewports at, as a fraction of the display's.
 *
 * cornerstone sizes every viewport canvas as CSS size × `window.devicePixelRatio` and converts
 * canvas ↔ world coordinates with the same value, read afresh on each call (5.x: getOrCreateCanvas,
 * ContextPoolRenderingEngine._getDisplayedSize, vtkCanvasCoordinateTransforms). It has no render-
 * scale option, so the one consistent lever is the value it reads: this module makes
 * `window.devicePixelRatio` report the display's ratio × a scale. The browser's own layout and text
 * rendering do not read the JS property and are unaffected; nothing else in OPAL reads it. After a
 * change the caller must resize the rendering engine (OrthoViewer.setRenderScale does both).
 */

let scale = 1;
let installed = false;

/** Installs the scaled `devicePixelRatio` once (before cornerstone creates its canvases). */
export function installRenderScale(win: Window & typeof globalThis = window): void {
  if (installed) return;
  const own = Object.getOwnPropertyDescriptor(win, 'devicePixelRatio');
  const inherited = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(win) as object, 'devicePixelRatio');
  const getter = own?.get ?? inherited?.get;
  const fixed = typeof own?.value === 'number' ? own.value : 1;
  const native = getter ? () => Number(getter.call(win)) || 1 : () => fixed;
  Object.defineProperty(win, 'devicePixelRatio', { configurable: true, enumerable: true, get: () => native() * scale });
  installed = true;
}

export function setRenderScale(next: number): void {
  if (!(next > 0 && next <= 1)) throw new RangeError(`render scale must be in (0, 1], got ${next}`);
  scale = next;
}

export function renderScale(): number {
  return scale;
}
