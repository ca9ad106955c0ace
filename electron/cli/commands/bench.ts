import type { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSections } from '../bench/sections.ts';
import { formatTable } from '../bench/formatTable.ts';
import { OpalError } from '../../common/errors/index.ts';

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure every pipeline stage against a baseline taken in the same run')
    .option('--only <names>', 'comma-separated section names')
    .option('--quick', 'smaller inputs (for a quick look, not for reporting)', false)
    .option('--json', 'print the results as JSON', false)
    .action(async (opts: { only?: string; quick: boolean; json: boolean }) => {
      const wanted = opts.only?.split(',').map((s) => s.trim());
      const sections = benchSections.filter((s) => !wanted || wanted.includes(s.name));
      if (wanted && sections.length !== wanted.length) {
        throw new OpalError(
          'E_BAD_ARGUMENT',
          `unknown bench section; known: ${benchSections.map((s) => s.name).join(', ')}`,
        );
      }
      const workDir = await mkdtemp(join(tmpdir(), 'opal-bench-'));
      const results = [];
      try {
        for (const section of sections) {
          const log = (line: string): void => void process.stderr.write(`[${section.name}] ${line}\n`);
          const result = await section.run({ workDir, quick: opts.quick, log });
          results.push({ section: section.name, ...result });
          if (!opts.json) {
            process.stdout.write(`\n## ${result.title}\n\n${formatTable(result.rows)}\n`);
            for (const n of result.notes ?? []) process.stdout.write(`- ${n}\n`);
          }
        }
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
      if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    });
}
