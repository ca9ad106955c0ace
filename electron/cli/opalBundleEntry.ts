// Entry of the bundled `opal` command (out/cli/opal.mjs, built by `npm run build`): the same runCli as
// electron/cli/opal.mjs, without tsx, so that it runs from the built app with no TypeScript sources.
// Ctrl-C before a command has its own handler: exit 130 (as electron/cli/opal.mjs). Installed
// before the engine is imported, which takes a while.
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 1) return;
  process.stderr.write('\nopal: interrupted\n');
  process.exit(130);
});
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv);
