import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/sharedData.ts';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `opal ...args` as a child process (the real CLI entry), with extra environment variables. */
export function runOpal(
  args: string[],
  env: Record<string, string> = {},
  hooks: { onStderr?: (chunk: string, kill: (s: NodeJS.Signals) => void) => void } = {},
): Promise<CliRun> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(repoRoot, 'electron', 'cli', 'opal.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      hooks.onStderr?.(s, (sig) => child.kill(sig));
    });
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr }));
  });
}
