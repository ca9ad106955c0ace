import type { Command } from 'commander';
import { resolve } from 'node:path';
import { TransferSyntax } from '../../common/dicom/pixels/frames.ts';
import { OpalError } from '../../common/errors/index.ts';
import { PHANTOM_PROFILES, type PhantomProfile } from '../../common/phantom/index.ts';
import { writePhantomSeries } from '../../main/phantom/index.ts';

interface PhantomCliOptions {
  out: string;
  seed: string;
  profile: string;
  slices: string;
  size: string;
  pixelSpacing?: string;
  sliceThickness?: string;
  transferSyntax: string;
  signed: boolean;
  json: boolean;
}

const SYNTAXES: Record<string, string> = {
  explicit: TransferSyntax.ExplicitVRLittleEndian,
  implicit: TransferSyntax.ImplicitVRLittleEndian,
  deflate: TransferSyntax.DeflatedExplicitVRLittleEndian,
};

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `--${name} must be an integer from ${min} to ${max}, got "${text}"`,
    );
  }
  return n;
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `--${name} must be a positive number of millimetres, got "${text}"`,
    );
  return n;
}

export function registerPhantomCommand(program: Command): void {
  program
    .command('phantom')
    .description(
      'write the synthetic chest CT phantom: a DICOM series with truth.json and truth masks (NIfTI)',
    )
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--seed <n>', 'seed of every random choice', '1')
    .option(
      '--profile <name>',
      'normal (no lesions) | covid (seven lesions) | severe (dependent consolidation, atelectasis, pleural effusion)',
      'covid',
    )
    .option(
      '--slices <n>',
      'number of axial slices (slice thickness defaults to 300 mm / slices, at most 10 mm)',
      '64',
    )
    .option('--size <n>', 'rows = columns of each slice (pixel spacing defaults to 360 mm / size)', '512')
    .option('--pixel-spacing <mm>', 'in-plane pixel spacing in mm')
    .option('--slice-thickness <mm>', 'slice spacing = thickness in mm')
    .option(
      '--transfer-syntax <name>',
      'explicit | implicit | deflate (all uncompressed little endian)',
      'explicit',
    )
    .option(
      '--signed',
      'signed 16-bit stored pixels (PixelRepresentation 1) instead of unsigned 12-bit',
      false,
    )
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: PhantomCliOptions) => {
      const seed = integer('seed', opts.seed, 0, 2 ** 31 - 1);
      const profile = PHANTOM_PROFILES.find((p) => p === opts.profile);
      if (profile === undefined)
        throw new OpalError(
          'E_BAD_ARGUMENT',
          `--profile must be one of ${PHANTOM_PROFILES.join(', ')}, got "${opts.profile}"`,
        );
      const slices = integer('slices', opts.slices, 1, 2000);
      const size = integer('size', opts.size, 16, 2048);
      const transferSyntaxUid = SYNTAXES[opts.transferSyntax];
      if (!transferSyntaxUid)
        throw new OpalError(
          'E_BAD_ARGUMENT',
          `--transfer-syntax must be one of ${Object.keys(SYNTAXES).join(', ')}, got "${opts.transferSyntax}"`,
        );
      const outDir = resolve(opts.out);
      const t0 = performance.now();
      const r = await writePhantomSeries(outDir, {
        seed,
        profile,
        slices,
        size,
        pixelSpacingMm: positive('pixel-spacing', opts.pixelSpacing),
        sliceThicknessMm: positive('slice-thickness', opts.sliceThickness),
        transferSyntaxUid,
        signedPixels: opts.signed,
      });
      const seconds = (performance.now() - t0) / 1000;
      const t = r.truth;
      if (opts.json) {
        const { files, truth, ...paths } = r;
        process.stdout.write(
          JSON.stringify({ outDir, fileCount: files.length, ...paths, seconds, truth }, null, 2) + '\n',
        );
        return;
      }
      const mm = t.spacingMm.map((v) => +v.toFixed(3)).join(' x ');
      // The default profile keeps the line it has always printed; others name themselves and add
      // what only they contain.
      const named: Record<PhantomProfile, string> = { covid: '', normal: ' (normal)', severe: ' (severe)' };
      const extra =
        profile === 'severe'
          ? `, atelectasis ${t.atelectasis.total.volumeMl.toFixed(1)} mL (not infection), pleural effusion ${t.effusion.total.volumeMl.toFixed(1)} mL (not lung)`
          : '';
      process.stdout.write(
        `phantom seed ${t.seed}${named[profile]}: ${t.dims[2]} slices of ${t.dims[0]}x${t.dims[1]} (${mm} mm) -> ${outDir} in ${seconds.toFixed(1)} s; ` +
          `lungs ${t.lungs.total.volumeMl.toFixed(0)} mL (right ${t.lungs.right.volumeMl.toFixed(0)}, left ${t.lungs.left.volumeMl.toFixed(0)}), ` +
          `ground-glass ${t.infection.groundGlassOpacity.volumeMl.toFixed(1)} mL, consolidation ${t.infection.consolidation.volumeMl.toFixed(1)} mL${extra}; ` +
          `series ${r.seriesInstanceUid}\n`,
      );
    });
}
