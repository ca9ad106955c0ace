#!/usr/bin/env node
// `npm run build:electron` (part of `npm run build`): bundles everything that ships and runs under
// Node or Electron to plain JavaScript under out/ with esbuild (Vite's own bundler); the renderer is
// built by Vite into out/renderer (`npm run build:renderer`).
//
//   out/main/index.mjs              Electron main
//   out/main/engine.mjs             the same services as one module, for the test host
//   out/cli/opal.mjs                the `opal` command
//   out/workers/inferenceWorker.mjs the onnxruntime worker thread
//   out/workers/decodeWorker.mjs    the WASM codec worker threads
//   out/workers/scanWorker.mjs      the header-reading worker threads of a folder scan
//   out/workers/lungMaskWorker.mjs  the app's lung mask, computed while the user looks at a new series
//   out/chunks/*.mjs                code the entries above share (one copy, so what the test host and
//                                   the CLI run is what the app runs)
//   out/preload/preload.cjs         the preload (CommonJS: a sandboxed preload cannot import ES modules)
//
// Every output file sits two folders below the app root, as electron/main/appPaths.ts expects. Left
// outside the bundle and resolved from node_modules at run time: Electron, onnxruntime-node (native
// binding) and the cornerstone WASM codecs (Emscripten modules that load their .wasm beside them).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

export const EXTERNAL = ['electron', 'onnxruntime-node', '@cornerstonejs/codec-*'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: EXTERNAL,
  define: { __OPAL_BUNDLE__: 'true' },
  legalComments: 'none',
};

for (const dir of ['main', 'cli', 'workers', 'chunks', 'preload']) rmSync(`out/${dir}`, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: {
    'main/index': 'electron/main/index.ts',
    'main/engine': 'electron/main/engine.ts',
    'cli/opal': 'electron/cli/opalBundleEntry.ts',
    'workers/inferenceWorker': 'electron/main/inference/inferenceWorker.ts',
    'workers/decodeWorker': 'electron/main/decode/decodeWorker.ts',
    'workers/scanWorker': 'electron/main/studies/scanWorker.ts',
    'workers/lungMaskWorker': 'electron/main/segmentation/lungMaskWorker.ts',
  },
  outdir: 'out',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // CommonJS dependencies bundled into ES modules still call require() and read __dirname.
  banner: {
    js: [
      "import { createRequire as __opalCreateRequire } from 'node:module';",
      "import { dirname as __opalDirname } from 'node:path';",
      "import { fileURLToPath as __opalFileURLToPath } from 'node:url';",
      'const require = __opalCreateRequire(import.meta.url);',
      'const __filename = __opalFileURLToPath(import.meta.url);',
      'const __dirname = __opalDirname(__filename);',
    ].join(' '),
  },
});
await build({ ...common, entryPoints: ['electron/preload/preload.ts'], format: 'cjs', outfile: 'out/preload/preload.cjs' });
console.log('built out/main, out/cli, out/workers, out/chunks, out/preload');
