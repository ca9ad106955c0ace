/**
 * Imported first by main.ts, before any module that builds zod schemas (the IPC contract).
 *
 * zod 4 decides at schema *construction* whether it may compile validators with `new Function`,
 * probing once with `new Function("")`. The renderer's CSP forbids eval, so that probe was blocked
 * and logged a CSP violation on every start; jitless mode never probes. Validation is unchanged.
 */
import { config } from 'zod';

config({ jitless: true });
