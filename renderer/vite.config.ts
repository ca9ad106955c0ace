import { defineConfig } from 'vite';
// This file is build configuration run by Vite under Node, not renderer code: the sandbox rule does not apply.
// eslint-disable-next-line no-restricted-imports
import { resolve, dirname } from 'node:path';
// eslint-disable-next-line no-restricted-imports
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The renderer bundle. Volumes arrive as finished Int16 buffers from the engine, so cornerstone's
 * dicom-image-loader (and its codec WASM/web workers) is never imported; what remains of
 * cornerstone3D is plain JS plus vtk.js, bundled here with relative asset paths so that the same
 * `out/renderer/` loads from Electron's file origin and from the test host's http origin.
 */
export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  build: {
    minify: process.env.OPAL_NO_MINIFY ? false : 'esbuild',
    outDir: resolve(here, '..', 'out', 'renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 6000,
    modulePreload: { polyfill: false },
  },
  resolve: {
    // Node built-ins that vtk.js's (unused) XML reader drags in: see shims/events.ts.
    alias: { events: resolve(here, 'shims/events.ts'), url: resolve(here, 'shims/url.ts') },
  },
  worker: { format: 'es' },
  logLevel: 'warn',
});
