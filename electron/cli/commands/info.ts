import type { Command } from 'commander';
import { OpalError } from '../../common/errors/index.ts';

// Placeholder until its issue lands: the command exists so that `opal --help` lists it.
export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('(not implemented yet)')
    .allowUnknownOption()
    .action(() => {
      throw new OpalError('E_INTERNAL', 'info is not implemented yet');
    });
}
