import type { Command } from 'commander';
import { scanPath } from '../../main/studies/scan.ts';
import { formatInfoText, infoJsonFromScan } from '../../main/studies/infoReport.ts';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('List the studies and series found in a DICOM file, folder or DICOMDIR, and every skipped file with its reason')
    .argument('<path>', 'DICOM file, folder (scanned recursively) or DICOMDIR')
    .option('--json', 'print the stable JSON form: {series: [...], skipped: [...]}')
    .action(async (path: string, opts: { json?: boolean }) => {
      const tty = process.stderr.isTTY === true;
      const scan = await scanPath(path, {
        onProgress: tty
          ? (p) => {
              if (p.phase === 'reading') process.stderr.write(`\rreading headers ${p.done}/${p.total}${p.done === p.total ? '\n' : ''}`);
            }
          : undefined,
      });
      const info = infoJsonFromScan(scan);
      process.stdout.write(opts.json ? JSON.stringify(info, null, 2) + '\n' : formatInfoText(info, scan.root));
    });
}
