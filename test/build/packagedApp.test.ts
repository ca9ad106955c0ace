import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractFile, listPackage } from '@electron/asar';
import type { Configuration } from 'electron-builder';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../fixtures/sharedData.ts';
import { useTempDirs } from '../fixtures/tempDirs.ts';
import { ensureAppBuilt, outDir } from '../host/builtApp.ts';

const configPath = join(repoRoot, 'native-config', 'electron-builder.config.mjs');
const tempDir = useTempDirs();
let config: Configuration;
let runtimePackages: string[];

beforeAll(async () => {
  const mod = (await import(pathToFileURL(configPath).href)) as { default: Configuration; RUNTIME_PACKAGES: string[] };
  config = mod.default;
  runtimePackages = mod.RUNTIME_PACKAGES;
});

describe('electron-builder configuration (native-config/electron-builder.config.mjs)', () => {
  it('builds OPAL as AppImage and deb on Linux, NSIS on Windows, dmg on macOS, and publishes nothing', () => {
    expect(config.productName).toBe('OPAL');
    expect(config.publish).toBeNull();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.npmRebuild).toBe(false);
    expect(config.extraMetadata?.main).toBe('out/main/index.mjs');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.dist).toContain('native-config/electron-builder.config.mjs');
    expect(pkg.scripts.dist).toContain('--publish never');
    // Production dependencies are exactly what the bundle loads at run time (the rest is bundled).
    expect(Object.keys(pkg.dependencies).sort()).toEqual(runtimePackages.filter((p) => p !== 'onnxruntime-common').sort());
  });

  it('has an application icon of at least 512 px in build/ for every platform to derive its format from', () => {
    const png = PNG.sync.read(readFileSync(join(repoRoot, 'build', 'icon.png')));
    expect(png.width).toBeGreaterThanOrEqual(512);
    expect(png.height).toBe(png.width);
  });

  it('unpacks native addons, WASM, the ONNX models, the worker bundles and every runtime package', () => {
    for (const p of ['**/*.node', '**/*.wasm', 'models/*.onnx', 'out/workers/**', 'out/chunks/**', ...runtimePackages.map((r) => `node_modules/${r}/**`)]) {
      expect(config.asarUnpack).toContain(p);
    }
  });
});

/** Every module specifier the built JavaScript imports or requires by name (not relative, not a Node built-in). */
function bareSpecifiers(code: string): string[] {
  const found = new Set<string>();
  const name = '([@a-z0-9][\\w@./-]*)'; // a package specifier (relative ones start with a dot)
  const patterns = [`\\bfrom\\s*"${name}";`, `\\bimport\\s*"${name}";`, `\\bimport\\(\\s*"${name}"\\s*\\)`, `\\brequire(?:Cjs)?\\(\\s*"${name}"\\s*\\)`, '"(@cornerstonejs/codec-[a-z0-9-]+/[a-z]+)"'].map((p) => new RegExp(p, 'g'));
  for (const re of patterns) for (const m of code.matchAll(re)) found.add(m[1]);
  const builtins = new Set(builtinModules);
  return [...found].filter((s) => !s.startsWith('node:') && !builtins.has(s) && !builtins.has(s.split('/')[0]) && s !== 'electron');
}

/** The package name of a specifier ("@scope/name/sub" → "@scope/name"). */
const packageOf = (s: string) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/');

/** The chunks a bundled file imports, transitively (out/ paths relative to the app root). */
function importedChunks(file: string, seen = new Set<string>()): Set<string> {
  const code = readFileSync(join(repoRoot, file), 'utf8');
  for (const m of code.matchAll(/\bfrom\s*"(\.\.?\/[^"]+\.mjs)"|\bimport\(\s*"(\.\.?\/[^"]+\.mjs)"\s*\)/g)) {
    const rel = relative(repoRoot, join(repoRoot, dirname(file), m[1] ?? m[2])).split(sep).join('/');
    if (!seen.has(rel)) {
      seen.add(rel);
      importedChunks(rel, seen);
    }
  }
  return seen;
}

describe('the Linux package electron-builder makes from this configuration', () => {
  // Electron's binary cannot be downloaded here: a stand-in Electron folder takes its place, and
  // electron-builder does the rest exactly as `npm run dist -- --linux --dir` does (file list,
  // production dependencies, asar, asarUnpack). Then every resource the bundle loads is looked up.
  let resources: string;
  let inAsar: Set<string>;
  const unpacked = (p: string) => existsSync(join(resources, 'app.asar.unpacked', p));

  beforeAll(async () => {
    await ensureAppBuilt({ renderer: true });
    const work = tempDir('opal-package-');
    const electronDist = join(work, 'electron-stand-in');
    mkdirSync(join(electronDist, 'resources'), { recursive: true });
    writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in for Electron (not downloadable here)"\n');
    chmodSync(join(electronDist, 'electron'), 0o755);
    const electronVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
    writeFileSync(join(electronDist, 'version'), `v${electronVersion}`);
    writeFileSync(join(electronDist, 'LICENSE'), '');
    const output = join(work, 'dist');
    const args = [join(repoRoot, 'node_modules', 'electron-builder', 'cli.js'), '--config', configPath, '--dir', '--linux', '--x64', '--publish', 'never', `-c.electronDist=${electronDist}`, `-c.electronVersion=${electronVersion}`, `-c.directories.output=${output}`];
    const log = await new Promise<string>((ok, fail) => {
      const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_BUILDER_OFFLINE: '1' } });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', fail);
      child.on('exit', (code) => (code === 0 ? ok(text) : fail(new Error(`electron-builder failed (exit ${code}):\n${text}`))));
    });
    resources = join(output, 'linux-unpacked', 'resources');
    expect(existsSync(join(resources, 'app.asar')), log).toBe(true);
    inAsar = new Set(listPackage(join(resources, 'app.asar'), { isPack: false }).map((p) => p.replace(/^[\\/]/, '').split(sep).join('/')));
  }, 600_000);

  it('starts out/main/index.mjs, which is inside the archive with the preload and the built renderer', () => {
    const pkg = JSON.parse(extractFile(join(resources, 'app.asar'), 'package.json').toString('utf8')) as { main: string; productName?: string };
    expect(pkg.main).toBe('out/main/index.mjs');
    for (const f of ['out/main/index.mjs', 'out/preload/preload.cjs', 'out/renderer/index.html']) expect(inAsar.has(f), f).toBe(true);
    const html = readFileSync(join(outDir, 'renderer', 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `out/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect(inAsar.has(a), a).toBe(true);
    for (const chunk of importedChunks('out/main/index.mjs')) expect(inAsar.has(chunk), chunk).toBe(true);
  });

  it('has every worker bundle and every chunk they import unpacked (worker threads read the real file system)', () => {
    for (const worker of ['out/workers/inferenceWorker.mjs', 'out/workers/decodeWorker.mjs', 'out/workers/scanWorker.mjs', 'out/workers/lungMaskWorker.mjs']) {
      expect(unpacked(worker), worker).toBe(true);
      for (const chunk of importedChunks(worker)) expect(unpacked(chunk), `${chunk} (imported by ${worker})`).toBe(true);
    }
  });

  it('has every package the bundle loads by name, unpacked with its files, and nothing else from node_modules that it does not need', () => {
    const requireFromApp = createRequire(join(repoRoot, 'package.json'));
    const bundled = readdirSync(outDir, { recursive: true }).map(String).filter((f) => f.endsWith('.mjs') || f.endsWith('.cjs'));
    const specifiers = new Set(bundled.flatMap((f) => bareSpecifiers(readFileSync(join(outDir, f), 'utf8'))));
    expect([...specifiers].map(packageOf).filter((p) => !runtimePackages.includes(p))).toEqual([]);
    for (const s of specifiers) {
      const file = `node_modules/${requireFromApp.resolve(s).split(sep).join('/').split('/node_modules/').pop()}`;
      expect(unpacked(file), `${s} → ${file}`).toBe(true);
      // Emscripten codecs read their .wasm from beside their JavaScript.
      for (const wasm of readdirSync(join(repoRoot, dirname(file))).filter((f) => f.endsWith('.wasm'))) expect(unpacked(`${dirname(file)}/${wasm}`), wasm).toBe(true);
    }
    // onnxruntime-node's own imports resolve inside the package folder too.
    expect(unpacked('node_modules/onnxruntime-common/package.json')).toBe(true);
    const binding = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node';
    expect(unpacked(binding), binding).toBe(true);
    // Only the Linux binaries of onnxruntime-node, and no development packages or sources.
    expect(existsSync(join(resources, 'app.asar.unpacked', 'node_modules/onnxruntime-node/bin/napi-v6/win32'))).toBe(false);
    const shippedPackages = new Set([...inAsar].filter((p) => p.startsWith('node_modules/')).map((p) => packageOf(p.slice('node_modules/'.length))));
    for (const dev of ['electron', 'vite', 'vitest', 'typescript', 'tsx', 'dcmjs', 'zod', 'playwright-core']) expect(shippedPackages.has(dev), dev).toBe(false);
    const appFiles = [...inAsar].filter((p) => !p.startsWith('node_modules/'));
    expect(appFiles.filter((p) => /^(electron|renderer|test|models\/segnets)\//.test(p) || p.endsWith('.ts') || p.endsWith('.map'))).toEqual([]);
  });

  it('has every model manifest inside and the ONNX file each names unpacked beside it', () => {
    const manifests = readdirSync(join(repoRoot, 'models', 'manifests')).filter((f) => f.endsWith('.json'));
    for (const m of manifests) {
      expect(inAsar.has(`models/manifests/${m}`), m).toBe(true);
      const file = (JSON.parse(readFileSync(join(repoRoot, 'models', 'manifests', m), 'utf8')) as { file?: string }).file;
      if (file) expect(unpacked(`models/${file}`), file).toBe(true);
    }
  });
});
