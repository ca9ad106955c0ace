import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OpalError } from '../../common/errors/index.ts';

export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** Names from onnxruntime-node's listSupportedBackends(). */
  supported: { name: string; bundled: boolean }[];
  /** Whether the CUDA execution-provider library sits next to the onnxruntime binding. */
  cudaLibraryPresent: boolean;
}

/**
 * Execution providers to try, best first (DESIGN.md §5): CUDA on Linux/Windows x64 when its library
 * was installed (an explicit opt-in, see native-config/README.md), DirectML on Windows, CoreML on
 * macOS, and always CPU last.
 */
export function chooseExecutionProviders(env: ProviderEnvironment): string[] {
  const names = new Set(env.supported.map((b) => b.name));
  const out: string[] = [];
  if (
    (env.platform === 'linux' || env.platform === 'win32') &&
    env.arch === 'x64' &&
    names.has('cuda') &&
    env.cudaLibraryPresent
  ) {
    out.push('cuda');
  }
  if (env.platform === 'win32' && names.has('dml')) out.push('dml');
  if (env.platform === 'darwin' && names.has('coreml')) out.push('coreml');
  out.push('cpu');
  return out;
}

/** Looks for libonnxruntime_providers_cuda next to onnxruntime-node's native binding. */
export function cudaLibraryPresent(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): boolean {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = join(pkgDir, 'bin');
    for (const napi of readdirSync(binDir)) {
      const dir = join(binDir, napi, platform, arch);
      const lib =
        platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
      if (existsSync(join(dir, lib))) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Execution providers a user may name (`--ep`, OPAL_EXECUTION_PROVIDERS). */
export const KNOWN_EXECUTION_PROVIDERS = ['cpu', 'cuda', 'dml', 'coreml'] as const;

/**
 * Parses a provider list such as "cuda,cpu" (best first). Unknown names are a user error
 * (E_BAD_ARGUMENT), so a typo never silently falls back to another provider.
 */
export function parseExecutionProviders(text: string, source = '--ep'): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const unknown = names.filter((n) => !(KNOWN_EXECUTION_PROVIDERS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `${source}: ${unknown.length > 0 ? `unknown execution provider ${unknown.map((u) => `"${u}"`).join(', ')}` : 'no execution provider named'}; use a comma-separated list of ${KNOWN_EXECUTION_PROVIDERS.join(', ')}.`,
    );
  }
  return [...new Set(names)];
}

let forcedByCaller: string[] | undefined;

/** The CLI's `--ep` (or a setting): forces these providers for the rest of the process; undefined clears it. */
export function setForcedExecutionProviders(providers: string[] | undefined): void {
  forcedByCaller = providers;
}

/**
 * Providers the user forced, tried in this order without the CPU-parity check (the user's choice):
 * `--ep` first, else OPAL_EXECUTION_PROVIDERS; undefined when neither is set (the checked choice applies).
 */
export function forcedExecutionProviders(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (forcedByCaller) return forcedByCaller;
  const text = env.OPAL_EXECUTION_PROVIDERS;
  return text && text.trim() ? parseExecutionProviders(text, 'OPAL_EXECUTION_PROVIDERS') : undefined;
}
