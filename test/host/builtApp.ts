import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/sharedData.ts';

/** What `npm run build` writes: the app as it ships (native-config/build-electron.mjs, renderer/vite.config.ts). */
export const outDir = join(repoRoot, 'out');
export const builtRendererDir = join(outDir, 'renderer');
export const builtEngineModule = join(outDir, 'main', 'engine.mjs');
export const builtCli = join(outDir, 'cli', 'opal.mjs');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) if (!e.endsWith('.test.ts') && !e.endsWith('.tsbuildinfo')) t = Math.max(t, newestMtime(join(path, e)));
  return t;
}

const mtime = (p: string): number => (existsSync(p) ? statSync(p).mtimeMs : 0);

function run(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${args.join(' ')} failed (exit ${code})`))));
  });
}

async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  // Test files run in parallel workers: one builds, the others wait for it.
  const lock = join(repoRoot, 'test-output', '.build-lock');
  mkdirSync(join(repoRoot, 'test-output'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - mtime(lock) > 10 * 60_000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds the parts of out/ that are older than their sources (OPAL_REBUILD=1: always), so tests run
 * what ships: the engine bundle (main, CLI, workers) and, with `renderer`, the Vite renderer.
 * Asynchronous on purpose: a blocking build would starve the test worker's RPC with vitest.
 */
export async function ensureAppBuilt(parts: { renderer?: boolean } = {}): Promise<void> {
  const force = process.env.OPAL_REBUILD === '1';
  const engineStale = () => force || mtime(builtCli) < Math.max(newestMtime(join(repoRoot, 'electron')), mtime(join(repoRoot, 'native-config', 'build-electron.mjs')));
  const rendererStale = () =>
    parts.renderer === true &&
    (force ||
      mtime(join(builtRendererDir, 'index.html')) <
        Math.max(newestMtime(join(repoRoot, 'renderer', 'src')), mtime(join(repoRoot, 'renderer', 'index.html')), mtime(join(repoRoot, 'renderer', 'vite.config.ts')), newestMtime(join(repoRoot, 'electron', 'common'))));
  if (!engineStale() && !rendererStale()) return;
  await withBuildLock(async () => {
    if (engineStale()) await run([join(repoRoot, 'native-config', 'build-electron.mjs')]);
    if (rendererStale()) await run([join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(repoRoot, 'renderer', 'vite.config.ts')]);
  });
}
