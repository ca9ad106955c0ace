#!/usr/bin/env node
// Entry of the `opal` command. The engine is TypeScript run through tsx's loader, so the CLI, the
// tests and the app execute the same sources with no build step. Worker threads started by the
// engine inherit this loader through `--import tsx` (see electron/main/workers/spawnWorker.ts).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv);
