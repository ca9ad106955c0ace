import type { ErrorCode } from '../../common/errors/index.ts';
import type { VolumeWarning } from '../../common/dicom/series.ts';
import type { Mat3, Vec3 } from '../../common/volume/index.ts';
import type { ScanResult, SkippedFile } from './scan.ts';

/**
 * The JSON printed by `opal info --json`. Scripts key on it: fields may be added, never renamed.
 * Required: seriesInstanceUid, modality, dims, spacingMm, originMm, direction, transferSyntaxUids,
 * warnings; skipped: path, code, message.
 */
export interface InfoSeriesJson {
  seriesInstanceUid: string;
  modality: string | null;
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
  transferSyntaxUids: string[];
  warnings: { code: ErrorCode; message: string; detail?: string; positionMm?: number }[];
  seriesKey: string;
  studyInstanceUid: string | null;
  description: string | null;
  seriesNumber: number | null;
  convolutionKernel: string | null;
  sliceThicknessMm: number | null;
  gantryTiltDeg: number;
  fileCount: number;
  frameCount: number;
  /** False when loading the series as a volume is refused (gantry tilt, conflicting duplicates). */
  loadable: boolean;
}

export interface InfoJson {
  series: InfoSeriesJson[];
  skipped: SkippedFile[];
}

const round = (v: number, d = 6): number => Math.round(v * 10 ** d) / 10 ** d;

function warningJson(w: VolumeWarning): InfoSeriesJson['warnings'][number] {
  const out: InfoSeriesJson['warnings'][number] = { code: w.code, message: w.message };
  if (w.detail !== undefined) out.detail = w.detail;
  if (w.positionMm !== undefined) out.positionMm = round(w.positionMm, 3);
  return out;
}

export function infoJsonFromScan(scan: ScanResult): InfoJson {
  return {
    series: scan.series.map(({ summary: s }) => ({
      seriesInstanceUid: s.seriesInstanceUid,
      modality: s.modality ?? null,
      dims: s.dims,
      spacingMm: s.spacingMm.map((v) => round(v)) as Vec3,
      originMm: s.originMm.map((v) => round(v)) as Vec3,
      direction: s.direction.map((v) => round(v)) as Mat3,
      transferSyntaxUids: s.transferSyntaxUids,
      warnings: s.warnings.map(warningJson),
      seriesKey: s.seriesKey,
      studyInstanceUid: s.studyInstanceUid ?? null,
      description: s.description ?? null,
      seriesNumber: s.seriesNumber ?? null,
      convolutionKernel: s.convolutionKernel ?? null,
      sliceThicknessMm: s.sliceThicknessMm ?? null,
      gantryTiltDeg: round(s.gantryTiltDeg, 3),
      fileCount: s.fileCount,
      frameCount: s.frameCount,
      loadable: s.loadable,
    })),
    skipped: scan.skipped,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

const f2 = (v: number): string => String(Math.round(v * 1000) / 1000);

/** Human-readable form of `opal info`: one table of series, then warnings, then skipped files. */
export function formatInfoText(info: InfoJson, root: string): string {
  const out: string[] = [];
  out.push(`${root}: ${info.series.length} series, ${info.skipped.length} file(s) skipped`);
  if (info.series.length > 0) {
    const rows = [['#', 'Modality', 'Slices', 'Size', 'Spacing mm (x y z)', 'Thick', 'Tilt', 'Files', 'Syntax', 'Description', 'Series']];
    info.series.forEach((s, i) => {
      rows.push([
        String(i + 1),
        s.modality ?? '?',
        String(s.dims[2]),
        `${s.dims[0]}x${s.dims[1]}`,
        s.spacingMm.map(f2).join(' '),
        s.sliceThicknessMm === null ? '' : f2(s.sliceThicknessMm),
        s.gantryTiltDeg ? `${f2(s.gantryTiltDeg)}°` : '',
        String(s.fileCount),
        s.transferSyntaxUids.join(','),
        s.description ?? '',
        s.seriesKey,
      ]);
    });
    out.push('', table(rows));
    info.series.forEach((s, i) => {
      for (const w of s.warnings) out.push(`  [${i + 1}] ${w.code}: ${w.message}`);
      if (!s.loadable) out.push(`  [${i + 1}] cannot be loaded as a volume (see above)`);
    });
  }
  if (info.skipped.length > 0) {
    out.push('', 'Skipped:');
    for (const s of info.skipped) out.push(`  ${s.path}: ${s.code}: ${s.message}`);
  }
  return out.join('\n') + '\n';
}
