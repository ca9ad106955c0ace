import type { Command } from 'commander';
import { OpalError } from '../../common/errors/index.ts';

// Placeholder until its issue lands: the command exists so that `opal --help` lists it.
export function registerPredict2dCommand(program: Command): void {
  program
    .command('predict-2d')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new OpalError('E_INTERNAL', 'predict-2d is not implemented yet');
    });
}
