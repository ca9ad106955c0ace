import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestHost } from './startTestHost.ts';

/**
 * The test host in a process of its own, so that a test can kill the engine (SIGKILL, as a crash)
 * while the page stays open, then start a new one on the same app data folder. Run as a child:
 * `node --import tsx test/host/hostProcess.ts <appDataDir> <rendererDir>`; it answers over the IPC
 * channel: {type:'ready', url} once listening; {type:'answerDialog', folder} queues a dialog answer;
 * {type:'gc'} runs a full garbage collection (for memory measurements), answered {type:'gc-done'}.
 */
type ToChild = { type: 'answerDialog'; folder: string | undefined } | { type: 'gc' };
type FromChild = { type: 'ready'; url: string } | { type: 'failed'; message: string } | { type: 'gc-done' };

export interface HostProcess {
  url: string;
  pid: number;
  /** Queues what the next folder dialog answers (as TestHost.answerDialog). */
  answerDialog(folder: string | undefined): void;
  /** Resident memory of the engine process now (VmRSS, bytes). */
  rssBytes(): number;
  /** Runs a full garbage collection in the engine process (so that RSS shows what is still held). */
  gc(): Promise<void>;
  /** Kills the engine at once (SIGKILL: no clean-up runs, as in a crash); resolves when it is gone. */
  kill(): Promise<void>;
}

export function startHostProcess(appDataDir: string, rendererDir: string): Promise<HostProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [appDataDir, rendererDir], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the test host process exited (${code}) before it was ready`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'failed') reject(new Error(m.message));
      if (m.type !== 'ready') return;
      child.removeAllListeners('exit');
      const pid = child.pid!;
      resolve({
        url: m.url,
        pid,
        answerDialog: (folder) => void child.send({ type: 'answerDialog', folder } satisfies ToChild),
        gc: () =>
          new Promise<void>((done) => {
            const onMessage = (r: FromChild) => {
              if (r.type !== 'gc-done') return;
              child.off('message', onMessage);
              done();
            };
            child.on('message', onMessage);
            child.send({ type: 'gc' } satisfies ToChild);
          }),
        rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024,
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

// ---- the child ----
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) {
  const [appDataDir, rendererDir] = process.argv.slice(2);
  startTestHost({ appDataDir, rendererDir })
    .then((host) => {
      process.on('message', (m: ToChild) => {
        if (m.type === 'answerDialog') host.answerDialog(m.folder);
        if (m.type === 'gc') {
          (globalThis as { gc?: () => void }).gc?.();
          process.send!({ type: 'gc-done' } satisfies FromChild);
        }
      });
      process.on('disconnect', () => process.exit(0)); // the test ended without killing it
      process.send!({ type: 'ready', url: host.url } satisfies FromChild);
    })
    .catch((e: unknown) => process.send!({ type: 'failed', message: e instanceof Error ? e.message : String(e) } satisfies FromChild));
}
