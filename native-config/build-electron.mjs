#!/usr/bin/env node
// Bundles Electron main (ESM) and the preload (CommonJS: a sandboxed preload cannot import ES
// modules) with esbuild, Vite's own bundler. `npm run build:electron`; outputs under out/.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'info', external: ['electron', 'onnxruntime-node'] };
await build({ ...common, entryPoints: ['electron/main/index.ts'], format: 'esm', outfile: 'out/main/index.mjs',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
await build({ ...common, entryPoints: ['electron/preload/preload.ts'], format: 'cjs', outfile: 'out/preload/preload.cjs' });
