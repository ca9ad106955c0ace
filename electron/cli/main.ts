import { Command, CommanderError } from 'commander';
import { isOpalError } from '../common/errors/index.ts';
import { registerInfoCommand } from './commands/info.ts';
import { registerConvertCommand } from './commands/convert.ts';
import { registerPhantomCommand } from './commands/phantom.ts';
import { registerSegmentCommand } from './commands/segment.ts';
import { registerMeasureCommand } from './commands/measure.ts';
import { registerPredict2dCommand } from './commands/predict2d.ts';
import { registerBenchCommand } from './commands/bench.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { parseExecutionProviders, setForcedExecutionProviders } from '../main/inference/executionProviders.ts';

export function buildProgram(): Command {
  const program = new Command('opal')
    .description('OPAL - Offline Pulmonary AI Labeller (investigational software, not a medical device)')
    .showHelpAfterError()
    .exitOverride()
    .option(
      '--ep <providers>',
      'onnxruntime execution providers to use, best first (cpu, cuda, dml, coreml; e.g. "cuda,cpu"), without the CPU-parity check; default: OPAL_EXECUTION_PROVIDERS, else the platform\'s GPU provider once it matched the CPU, else cpu',
    )
    .hook('preAction', (cmd) => {
      const ep = (cmd.opts() as { ep?: string }).ep;
      setForcedExecutionProviders(ep === undefined ? undefined : parseExecutionProviders(ep));
    });
  registerInfoCommand(program);
  registerConvertCommand(program);
  registerPhantomCommand(program);
  registerSegmentCommand(program);
  registerMeasureCommand(program);
  registerPredict2dCommand(program);
  registerBenchCommand(program);
  registerDemoCommand(program);
  return program;
}

/** Runs the CLI and returns the process exit code; user errors print `CODE: message` on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (isOpalError(e)) {
      process.stderr.write(`opal: ${e.code}: ${e.message}${e.detail ? ` (${e.detail})` : ''}\n`);
      return 2;
    }
    process.stderr.write(
      `opal: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 70;
  }
}
