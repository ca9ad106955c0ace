/**
 * Imports masks made elsewhere (or by OPAL earlier) onto a loaded CT: a DICOM SEG (BINARY or
 * FRACTIONAL, any segment order) or a NIfTI labelmap. The result is OPAL's two labelmaps:
 * infection (InfectionLabel) and, when the mask has them, lungs (LungLabel).
 *
 * NIfTI label values (README "opal measure"):
 * - OPAL's infection.nii.gz (description "OPAL infection…" or a file name containing "infection"):
 *   1 ground-glass, 2 consolidation;
 * - OPAL's lungs.nii.gz (description "OPAL lungs…" or a file name containing "lung"): 1 right lung,
 *   2 left lung;
 * - any other labelmap: 1 ground-glass, 2 consolidation, 3 right lung, 4 left lung.
 * A user mapping (`--map VALUE=MEANING`) overrides these; other values are left out with a warning.
 */
import { OpalError, type OpalErrorJson } from '../errors/index.ts';
import { decodeDicomSeg, type SegTargetGeometry } from '../export/decodeDicomSeg.ts';
import { decodeNifti } from '../nifti/index.ts';
import { fromAcquisitionGrid, InfectionLabel, LungLabel, type Volume } from '../volume/index.ts';
import { meaningOfSegment, type MaskMapping, type MaskMeaning } from './maskMeaning.ts';
import { matchMaskGrid, maskOnCtGrid } from './matchMaskGrid.ts';

/** One segment (SEG) or label value (NIfTI) of an imported mask file, and what OPAL made of it. */
export interface ImportedSegment {
  /** File name it came from. */
  file: string;
  /** SEG SegmentNumber, or the NIfTI label value. */
  number: number;
  label: string;
  /** The type code of a SEG segment ("SCT 95436008 Lung consolidation"). */
  code?: string;
  /** Absent: not recognised, left out. */
  meaning?: MaskMeaning;
  by?: 'user' | 'code' | 'label' | 'convention';
  voxels: number;
  volumeMl: number;
}

export interface ImportedMasks {
  /** InfectionLabel values on the CT grid; all zero when the masks have no infection segment. */
  infection: Uint8Array;
  /** LungLabel values on the CT grid, or undefined when the masks hold no lungs. */
  lungs?: Uint8Array;
  segments: ImportedSegment[];
  /** Segments left out, approximations made (E_UNKNOWN_SEGMENT). */
  warnings: OpalErrorJson[];
  /** What was read: 'seg' or 'nifti' per file. */
  files: { name: string; kind: 'seg' | 'nifti' }[];
}

/** One mask file's bytes and name (the name picks OPAL's NIfTI conventions). */
export interface MaskFile {
  name: string;
  bytes: Uint8Array;
}

interface Layer {
  meaning: MaskMeaning;
  mask: Uint8Array;
}

const isDicom = (b: Uint8Array): boolean => b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
const isNiftiName = (name: string): boolean => /\.nii(\.gz)?$/i.test(name);

function countSet(mask: Uint8Array): number {
  let n = 0;
  for (let v = 0; v < mask.length; v++) if (mask[v] !== 0) n++;
  return n;
}

/** Where a SEG of this CT has its frames: the acquired grid of a reformatted volume, else the volume's. */
function segTarget(ct: Volume): SegTargetGeometry {
  const m = ct.meta;
  const a = m.acquisition;
  const uids = a ? a.sopInstanceUids : m.sopInstanceUids;
  const frames = a ? a.frameNumbers : m.frameNumbers;
  const positions = a ? a.imagePositionsMm : m.imagePositionsMm;
  const grid = a ?? ct;
  const nz = grid.dims[2];
  return {
    volume: grid,
    sopInstanceUids: Array.isArray(uids) && uids.length === nz ? uids : undefined,
    referencedFrameNumbers: Array.isArray(frames) && frames.length === nz ? frames : undefined,
    imagePositionsMm: Array.isArray(positions) && positions.length === nz ? positions : undefined,
    frameOfReferenceUid: typeof m.frameOfReferenceUid === 'string' && m.frameOfReferenceUid !== '' ? m.frameOfReferenceUid : undefined,
  };
}

function voxelMl(ct: Volume): number {
  return (ct.spacingMm[0] * ct.spacingMm[1] * ct.spacingMm[2]) / 1000;
}

function readSeg(file: MaskFile, ct: Volume, mapping: MaskMapping, out: ImportedSegment[]): Layer[] {
  const decoded = decodeDicomSeg(file.bytes, segTarget(ct));
  const a = ct.meta.acquisition;
  const layers: Layer[] = [];
  for (const s of decoded.segments) {
    const { meaning, by } = meaningOfSegment(s.segmentNumber, s.type, s.label, mapping);
    const mask = a ? fromAcquisitionGrid(s.mask, a) : s.mask;
    const voxels = countSet(mask);
    out.push({ file: file.name, number: s.segmentNumber, label: s.label, code: `${s.type.scheme} ${s.type.value} ${s.type.meaning}`, meaning, by, voxels, volumeMl: voxels * voxelMl(ct) });
    if (meaning && meaning !== 'ignore') layers.push({ meaning, mask });
  }
  return layers;
}

const CONVENTIONS: Record<'infection' | 'lungs' | 'combined', Record<number, MaskMeaning>> = {
  infection: { 1: 'ground-glass', 2: 'consolidation' },
  lungs: { 1: 'right-lung', 2: 'left-lung' },
  combined: { 1: 'ground-glass', 2: 'consolidation', 3: 'right-lung', 4: 'left-lung' },
};

/** Which of OPAL's NIfTI label conventions a file follows (its description, else its name). */
export function niftiConvention(name: string, description: string): 'infection' | 'lungs' | 'combined' {
  if (/^OPAL infection\b/.test(description)) return 'infection';
  if (/^OPAL lungs\b/.test(description)) return 'lungs';
  const base = name.replace(/^.*[\\/]/, '');
  if (/infection/i.test(base)) return 'infection';
  if (/lung/i.test(base)) return 'lungs';
  return 'combined';
}

function readNiftiMask(file: MaskFile, ct: Volume, mapping: MaskMapping, out: ImportedSegment[]): Layer[] {
  const vol = decodeNifti(file.bytes);
  const description = typeof vol.meta.niftiDescription === 'string' ? vol.meta.niftiDescription : '';
  if (/^OPAL confidence\b/.test(description) || /confidence/i.test(file.name.replace(/^.*[\\/]/, ''))) {
    throw new OpalError('E_BAD_ARGUMENT', `${file.name} is OPAL's confidence map, not a mask: open infection.nii.gz (and lungs.nii.gz) instead.`, file.name);
  }
  const match = matchMaskGrid(vol, ct);
  const voxels = maskOnCtGrid(vol.voxels, vol, match);
  const convention = CONVENTIONS[niftiConvention(file.name, description)];
  // Label values: whole numbers (float files are rounded); count each one present.
  const n = voxels.length;
  const labels = new Uint16Array(n);
  const counts = new Map<number, number>();
  for (let v = 0; v < n; v++) {
    const x = Math.round(voxels[v]);
    if (x === 0) continue;
    if (x < 0 || x > 65535) throw new OpalError('E_BAD_ARGUMENT', `${file.name} holds the value ${voxels[v]}, which is no label (labels are whole numbers 1-65535).`, file.name);
    labels[v] = x;
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  const layers: Layer[] = [];
  for (const [value, count] of [...counts].sort((p, q) => p[0] - q[0])) {
    const user = mapping.get(value);
    const meaning = user ?? convention[value];
    out.push({ file: file.name, number: value, label: `label ${value}`, meaning, by: user ? 'user' : meaning ? 'convention' : undefined, voxels: count, volumeMl: count * voxelMl(ct) });
    if (!meaning || meaning === 'ignore') continue;
    const mask = new Uint8Array(n);
    for (let v = 0; v < n; v++) if (labels[v] === value) mask[v] = 1;
    layers.push({ meaning, mask });
  }
  return layers;
}

/** Both lungs in one mask, split into right (low LPS x) and left at the mask's own centroid. */
function splitLungs(mask: Uint8Array, ct: Volume, lungs: Uint8Array): void {
  const [nx, ny] = ct.dims;
  const d = ct.direction;
  const [si, sj, sk] = ct.spacingMm;
  // LPS x of a voxel is linear in (i, j, k): x = o + ai i + aj j + ak k.
  const ai = d[0] * si;
  const aj = d[3] * sj;
  const ak = d[6] * sk;
  let sum = 0;
  let count = 0;
  for (let v = 0; v < mask.length; v++) {
    if (!mask[v]) continue;
    const i = v % nx;
    const j = Math.floor(v / nx) % ny;
    const k = Math.floor(v / (nx * ny));
    sum += ai * i + aj * j + ak * k;
    count++;
  }
  if (count === 0) return;
  const mid = sum / count;
  const RIGHT = LungLabel.RightLung;
  const LEFT = LungLabel.LeftLung;
  for (let v = 0; v < mask.length; v++) {
    if (!mask[v]) continue;
    const i = v % nx;
    const j = Math.floor(v / nx) % ny;
    const k = Math.floor(v / (nx * ny));
    lungs[v] = ai * i + aj * j + ak * k < mid ? RIGHT : LEFT;
  }
}

/**
 * Reads mask files onto the CT and combines them into OPAL's infection and lung labelmaps.
 * Where segments overlap, consolidation wins over ground-glass over unspecified infection, and a
 * right or left lung segment over a both-lungs one.
 */
export function importMasks(files: MaskFile[], ct: Volume, mapping: MaskMapping = new Map()): ImportedMasks {
  if (files.length === 0) throw new OpalError('E_BAD_ARGUMENT', 'No mask file was given.');
  const n = ct.dims[0] * ct.dims[1] * ct.dims[2];
  const segments: ImportedSegment[] = [];
  const layers: Layer[] = [];
  const kinds: ImportedMasks['files'] = [];
  for (const file of files) {
    if (isDicom(file.bytes)) {
      layers.push(...readSeg(file, ct, mapping, segments));
      kinds.push({ name: file.name, kind: 'seg' });
    } else if (isNiftiName(file.name) || (file.bytes[0] === 0x1f && file.bytes[1] === 0x8b)) {
      layers.push(...readNiftiMask(file, ct, mapping, segments));
      kinds.push({ name: file.name, kind: 'nifti' });
    } else {
      throw new OpalError('E_BAD_ARGUMENT', `${file.name} is neither a DICOM SEG nor a NIfTI labelmap (.nii, .nii.gz).`, file.name);
    }
  }
  const warnings: OpalErrorJson[] = [];
  const unknown = segments.filter((s) => !s.meaning);
  if (unknown.length > 0) {
    warnings.push({
      code: 'E_UNKNOWN_SEGMENT',
      message: `Left out ${unknown.map((s) => `${s.number} "${s.label}"${s.code ? ` (${s.code})` : ''}`).join(', ')}: OPAL does not know what ${unknown.length === 1 ? 'it is' : 'they are'}; map ${unknown.length === 1 ? 'it' : 'them'} with --map NUMBER=MEANING (ground-glass, consolidation, infection, right-lung, left-lung, lungs, ignore).`,
    });
  }
  if (!layers.some((l) => l.meaning !== 'ignore')) {
    throw new OpalError(
      'E_BAD_ARGUMENT',
      `No segment of the mask is one OPAL measures (ground-glass, consolidation, infection, lungs). Found: ${segments.map((s) => `${s.number} "${s.label}"`).join(', ') || 'nothing'}. Map them with --map NUMBER=MEANING.`,
    );
  }
  const byMeaning = (m: MaskMeaning): Layer[] => layers.filter((l) => l.meaning === m);
  const infection = new Uint8Array(n);
  const paint = (target: Uint8Array, ls: Layer[], value: number): void => {
    for (const l of ls) for (let v = 0; v < n; v++) if (l.mask[v]) target[v] = value;
  };
  paint(infection, byMeaning('infection'), InfectionLabel.GroundGlassOpacity);
  paint(infection, byMeaning('ground-glass'), InfectionLabel.GroundGlassOpacity);
  paint(infection, byMeaning('consolidation'), InfectionLabel.Consolidation);
  if (byMeaning('infection').length > 0) {
    warnings.push({ code: 'E_UNKNOWN_SEGMENT', message: 'The mask does not tell ground-glass from consolidation: its infection is counted as ground-glass (the total is exact).' });
  }
  let lungs: Uint8Array | undefined;
  if (layers.some((l) => l.meaning === 'lungs' || l.meaning === 'right-lung' || l.meaning === 'left-lung')) {
    lungs = new Uint8Array(n);
    for (const l of byMeaning('lungs')) splitLungs(l.mask, ct, lungs);
    if (byMeaning('lungs').length > 0) {
      warnings.push({ code: 'E_UNKNOWN_SEGMENT', message: 'The mask has both lungs in one segment: OPAL split them into right and left at their midline (per-lung numbers are approximate).' });
    }
    paint(lungs, byMeaning('right-lung'), LungLabel.RightLung);
    paint(lungs, byMeaning('left-lung'), LungLabel.LeftLung);
  }
  return { infection, lungs, segments, warnings, files: kinds };
}
