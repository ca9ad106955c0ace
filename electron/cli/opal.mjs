#!/usr/bin/env node
// Entry of the `opal` command. The engine is TypeScript run through tsx's loader, so the CLI, the
// tests and the app execute the same sources with no build step. Worker threads started by the
// engine inherit this loader through `--import tsx` (see electron/main/workers/spawnWorker.ts).
// Ctrl-C before a command has its own handler (loading the engine takes seconds): exit 130, as at
// any other moment. A command that handles Ctrl-C itself (segment, convert) adds a listener; this
// one then stands aside.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 1) return;
  process.stderr.write('\nopal: interrupted\n');
  process.exit(130);
});
const { register } = await import('tsx/esm/api');
register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv);
