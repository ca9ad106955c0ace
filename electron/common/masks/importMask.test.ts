import { describe, expect, it } from 'vitest';
import { syntheticStudy } from '../../../test/exports/syntheticStudy.ts';
import { isOpalError } from '../errors/index.ts';
import { CT_IMAGE_SOP_CLASS_UID, encodeDicomSeg } from '../export/dicomSeg.ts';
import { labelmapOnSegGrid, segSourceFromVolume } from '../export/segSourceFromVolume.ts';
import { INFECTION_SEGMENTS, LUNG_SEGMENTS } from '../export/segmentCodes.ts';
import { encodeNifti1 } from '../nifti/index.ts';
import { reformatToAxial, type Mat3, type Vec3, type Volume } from '../volume/index.ts';
import { importMasks, niftiConvention } from './importMask.ts';
import { parseMaskMapping } from './maskMeaning.ts';
import { matchMaskGrid, maskOnCtGrid } from './matchMaskGrid.ts';

function error(fn: () => unknown): { code?: string; message?: string } {
  try {
    fn();
  } catch (e) {
    return isOpalError(e) ? { code: e.code, message: e.message } : { code: `not an OpalError: ${String(e)}` };
  }
  return {};
}

function ctWithUids(): { ct: Volume; seg: Uint8Array; lungs: Uint8Array; infection: Uint8Array } {
  const s = syntheticStudy();
  const ct: Volume = {
    ...s.volume,
    meta: { sopInstanceUids: s.source.sopInstanceUids, frameOfReferenceUid: s.source.frameOfReferenceUid, seriesInstanceUid: s.source.seriesInstanceUid },
  };
  const seg = encodeDicomSeg({
    source: s.source,
    labelmaps: [
      { labelmap: s.infection, segments: INFECTION_SEGMENTS },
      { labelmap: s.lungs, segments: LUNG_SEGMENTS },
    ],
    algorithm: { name: 'opal-infnet', version: '0.1.0' },
    edited: false,
  });
  return { ct, seg, lungs: s.lungs, infection: s.infection };
}

describe('matchMaskGrid', () => {
  const ct = { dims: [4, 3, 2] as Vec3, spacingMm: [0.5, 0.7, 2] as Vec3, originMm: [10, 20, 30] as Vec3, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as Mat3 };

  it('puts a mask stored with the first axis reversed and the others swapped back onto the CT voxel by voxel', () => {
    // Mask axis 0 = CT j, axis 1 = CT i reversed, axis 2 = CT k.
    const mask = {
      dims: [3, 4, 2] as Vec3,
      spacingMm: [0.7, 0.5, 2] as Vec3,
      originMm: [10 + 3 * 0.5, 20, 30] as Vec3,
      direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] as Mat3,
    };
    const match = matchMaskGrid(mask, ct);
    expect(match.identity).toBe(false);
    const maskVoxels = new Uint8Array(24);
    // Mask voxel (a, b, c) holds the CT index it stands on, + 1.
    for (let c = 0; c < 2; c++)
      for (let b = 0; b < 4; b++)
        for (let a = 0; a < 3; a++) {
          const i = 3 - b;
          const j = a;
          maskVoxels[a + 3 * (b + 4 * c)] = i + 4 * (j + 3 * c) + 1;
        }
    expect([...maskOnCtGrid(maskVoxels, mask, match)]).toEqual(Array.from({ length: 24 }, (_, v) => v + 1));
  });

  it('accepts a mask 0.05 mm off and refuses one 0.5 mm off, naming the distance', () => {
    expect(matchMaskGrid({ ...ct, originMm: [10.05, 20, 30] }, ct).identity).toBe(true);
    const e = error(() => matchMaskGrid({ ...ct, originMm: [10.5, 20, 30] }, ct));
    expect(e.code).toBe('E_GEOMETRY_MISMATCH');
    expect(e.message).toMatch(/0\.5 mm away/);
  });

  it('refuses other dimensions, voxel size or orientation with E_GEOMETRY_MISMATCH naming them', () => {
    expect(error(() => matchMaskGrid({ ...ct, dims: [4, 3, 3] }, ct)).message).toMatch(/4x3x3 voxels; this CT is 4x3x2/);
    expect(error(() => matchMaskGrid({ ...ct, spacingMm: [0.5, 0.7, 2.5] }, ct)).message).toMatch(/voxel size/);
    const a = (5 * Math.PI) / 180;
    expect(error(() => matchMaskGrid({ ...ct, direction: [Math.cos(a), Math.sin(a), 0, -Math.sin(a), Math.cos(a), 0, 0, 0, 1] }, ct)).message).toMatch(/oriented differently/);
  });
});

describe('importMasks', () => {
  it('reads OPAL\'s SEG back into the identical infection and lung labelmaps, each segment by its code', () => {
    const { ct, seg, lungs, infection } = ctWithUids();
    const r = importMasks([{ name: 'seg.dcm', bytes: seg }], ct);
    expect(r.infection).toEqual(infection);
    expect(r.lungs).toEqual(lungs);
    expect(r.segments.map((s) => s.by)).toEqual(['code', 'code', 'code', 'code']);
    expect(r.warnings).toEqual([]);
  });

  it('reads the SEG of a coronal acquisition (frames on the acquired images) back onto the axial volume OPAL shows', () => {
    // Coronal: rows along patient x, columns downwards (-z), slices along +y (posterior).
    const dims: Vec3 = [6, 5, 4];
    const n = dims[0] * dims[1] * dims[2];
    const coronal: Volume = {
      dims,
      spacingMm: [0.8, 1.5, 2],
      originMm: [-20, -30, 40],
      direction: [1, 0, 0, 0, 0, -1, 0, 1, 0],
      voxels: new Int16Array(n),
      meta: {
        sopInstanceUids: [0, 1, 2, 3].map((k) => `1.2.826.0.1.3680043.8.498.55${k}`),
        sopClassUid: CT_IMAGE_SOP_CLASS_UID,
        studyInstanceUid: '1.2.826.0.1.3680043.8.498.1',
        seriesInstanceUid: '1.2.826.0.1.3680043.8.498.2',
        frameOfReferenceUid: '1.2.826.0.1.3680043.8.498.3',
      },
    };
    const axial = reformatToAxial(coronal, 'coronal');
    expect(axial.dims).not.toEqual(dims);
    const infection = new Uint8Array(n).map((_, v) => (v % 7 === 0 ? 1 : v % 11 === 0 ? 2 : 0));
    const lungs = new Uint8Array(n).map((_, v) => (v % 3 === 0 ? 1 : v % 5 === 0 ? 2 : 0));
    const seg = encodeDicomSeg({
      source: segSourceFromVolume(axial),
      labelmaps: [
        { labelmap: labelmapOnSegGrid(axial, infection), segments: INFECTION_SEGMENTS },
        { labelmap: labelmapOnSegGrid(axial, lungs), segments: LUNG_SEGMENTS },
      ],
      algorithm: { name: 'opal-infnet', version: '0.1.0' },
      edited: false,
    });
    const r = importMasks([{ name: 'seg.dcm', bytes: seg }], axial);
    expect(r.infection).toEqual(infection);
    expect(r.lungs).toEqual(lungs);
  });

  it('refuses a SEG whose frames name images that are not in the CT series (same frame of reference)', () => {
    const { ct, seg } = ctWithUids();
    const other: Volume = { ...ct, meta: { ...ct.meta, sopInstanceUids: (ct.meta.sopInstanceUids ?? []).map((_, k) => `1.2.826.0.1.3680043.8.498.77${k}`) } };
    const e = error(() => importMasks([{ name: 'seg.dcm', bytes: seg }], other));
    expect(e.code).toBe('E_GEOMETRY_MISMATCH');
    expect(e.message).toMatch(/images? that (is|are) not in this CT series/);
  });

  it('reads OPAL\'s NIfTI exports by their description, and another labelmap by the combined convention or the user\'s mapping', () => {
    const { ct, lungs, infection } = ctWithUids();
    const nii = (voxels: Uint8Array, description: string): Uint8Array => encodeNifti1({ ...ct, voxels }, { intent: 'label', description });
    const own = importMasks(
      [
        { name: 'a.nii', bytes: nii(infection, 'OPAL infection 0 bg 1 GGO 2 consolidation') },
        { name: 'b.nii', bytes: nii(lungs, 'OPAL lungs 0 bg 1 right lung 2 left lung') },
      ],
      ct,
    );
    expect(own.infection).toEqual(infection);
    expect(own.lungs).toEqual(lungs);
    // One labelmap: 1 GGO, 2 consolidation, 3 right lung, 4 left lung; 9 is unknown until mapped.
    const combined = new Uint8Array(lungs.length);
    for (let v = 0; v < combined.length; v++) combined[v] = infection[v] !== 0 ? infection[v] : lungs[v] !== 0 ? lungs[v] + 2 : 0;
    combined[0] = 9;
    const r = importMasks([{ name: 'labels.nii', bytes: nii(combined, 'from another tool') }], ct);
    expect(r.infection).toEqual(infection);
    expect(r.warnings.map((w) => w.code)).toEqual(['E_UNKNOWN_SEGMENT']);
    const mapped = importMasks([{ name: 'labels.nii', bytes: nii(combined, 'from another tool') }], ct, parseMaskMapping(['9=consolidation']));
    expect(mapped.infection[0]).toBe(2);
    expect(mapped.warnings).toEqual([]);
  });

  it('refuses OPAL\'s confidence map and a file that is neither SEG nor NIfTI', () => {
    const { ct } = ctWithUids();
    const conf = encodeNifti1({ ...ct, voxels: new Uint8Array(ct.voxels.length) }, { description: 'OPAL confidence 0-255 = p(label) x 255' });
    expect(error(() => importMasks([{ name: 'x.nii', bytes: conf }], ct)).code).toBe('E_BAD_ARGUMENT');
    expect(error(() => importMasks([{ name: 'notes.txt', bytes: new Uint8Array(400) }], ct)).code).toBe('E_BAD_ARGUMENT');
  });
});

describe('parseMaskMapping and niftiConvention', () => {
  it('reads NUMBER=MEANING items, aliases included, and refuses anything else', () => {
    expect([...parseMaskMapping(['3=consolidation,4=ggo', '5=Right-Lung'])]).toEqual([[3, 'consolidation'], [4, 'ground-glass'], [5, 'right-lung']]);
    expect(error(() => parseMaskMapping(['3=spleen'])).code).toBe('E_BAD_ARGUMENT');
    expect(error(() => parseMaskMapping(['x=lungs'])).code).toBe('E_BAD_ARGUMENT');
  });

  it('tells OPAL\'s infection and lung files apart by description, then by name', () => {
    expect(niftiConvention('whatever.nii.gz', 'OPAL lungs 0 bg 1 right lung 2 left lung')).toBe('lungs');
    expect(niftiConvention('infection.nii.gz', '')).toBe('infection');
    expect(niftiConvention('/a/case7_lungs.nii.gz', '')).toBe('lungs');
    expect(niftiConvention('labels.nii.gz', '')).toBe('combined');
  });
});
