import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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
