/**
 * Test hooks for the export commit, read from the environment (documented in README, "Test hooks").
 * They only make an export fail, pause or say which step it is at; none can make OPAL write
 * anything it would not write otherwise, or skip a check. The fault-injection tests run the real CLI
 * with them (test/exports/exportFaults.test.ts):
 *
 *   OPAL_TEST_EXPORT_FAIL_AT=k   step k fails (a write leaves a torn file and fails with ENOSPC,
 *                                other steps fail with EIO)
 *   OPAL_TEST_EXPORT_PAUSE_AT=k  before step k, print "opal-test: export paused before step k: ..."
 *                                on stderr and wait (until interrupted, or 120 s)
 *   OPAL_TEST_TRACE=1            print "opal-test: export step k: ..." before every step (and, in
 *                                opal segment, "opal-test: stage ..." as the work advances)
 */
import { writeFile } from 'node:fs/promises';
import type { ExportStep, ExportStepHooks } from './exportFileSystem.ts';

const PAUSE_LIMIT_MS = 120_000;

function stepNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** The hooks the environment asks for, or undefined when it asks for none (the normal case). */
export function exportTestHooksFromEnv(signal?: AbortSignal): ExportStepHooks | undefined {
  const failAt = stepNumber('OPAL_TEST_EXPORT_FAIL_AT');
  const pauseAt = stepNumber('OPAL_TEST_EXPORT_PAUSE_AT');
  const trace = process.env.OPAL_TEST_TRACE === '1';
  if (failAt === undefined && pauseAt === undefined && !trace) return undefined;
  return {
    async beforeStep(step: ExportStep) {
      if (trace) process.stderr.write(`opal-test: export step ${step.index}: ${step.label}\n`);
      if (step.index === pauseAt) {
        process.stderr.write(`opal-test: export paused before step ${step.index}: ${step.label}\n`);
        await pauseUntilAborted(signal);
      }
      if (step.index === failAt) await injectFault(step);
    },
  };
}

function pauseUntilAborted(signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const timer = setTimeout(done, PAUSE_LIMIT_MS);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });
}

/** Fails one step the way a full or failing disk does. */
export async function injectFault(step: ExportStep): Promise<never> {
  if (step.kind === 'write') {
    // A torn write: part of the file reached the disk before it filled up.
    await writeFile(step.path, 'torn').catch(() => undefined);
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${step.path}' (injected)`), { code: 'ENOSPC' });
  }
  throw Object.assign(new Error(`EIO: i/o error, ${step.kind} '${step.path}' (injected)`), { code: 'EIO' });
}
