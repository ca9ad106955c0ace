import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Defined as `true` by native-config/build-electron.mjs in every file it bundles; absent when the
// engine runs from its TypeScript sources (CLI through tsx, tests, test host in development).
declare const __OPAL_BUNDLE__: boolean | undefined;

/** Whether this code runs from the built bundle under out/ rather than from the TypeScript sources. */
export function runningFromBundle(): boolean {
  return typeof __OPAL_BUNDLE__ !== 'undefined' && __OPAL_BUNDLE__ === true;
}

/**
 * The app's root folder, where `models/`, `out/` and `node_modules/` are found: in development the
 * repository; in a bundle the folder above `out/` (a checkout, or in a packaged app
 * `process.resourcesPath/app.asar`, which is Electron's `app.getAppPath()`). Derived from this file's
 * own location, because the CLI and worker threads have no Electron `app` to ask: the source
 * (electron/main/appPaths.ts) and every bundled file (out/<main|cli|workers|chunks>/*.mjs) sit two
 * folders below the root.
 */
export function appRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/**
 * The real file behind a path inside a packaged app's `app.asar`: electron-builder moves the files
 * listed in `asarUnpack` (native addons, WASM, ONNX models, worker bundles) to `app.asar.unpacked`,
 * and code outside Electron's patched `fs` (onnxruntime's native loader, worker threads) must be given
 * that path. Paths not inside an asar archive are returned unchanged.
 */
export function unpackedPath(path: string): string {
  const marker = `${sep}app.asar${sep}`;
  const i = path.indexOf(marker);
  return i < 0 ? path : `${path.slice(0, i)}${sep}app.asar.unpacked${sep}${path.slice(i + marker.length)}`;
}
