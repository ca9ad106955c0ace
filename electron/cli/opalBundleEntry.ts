// Entry of the bundled `opal` command (out/cli/opal.mjs, built by `npm run build`): the same runCli as
// electron/cli/opal.mjs, without tsx, so that it runs from the built app with no TypeScript sources.
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv);
