import { OpalError } from '../errors/index.ts';
import { InfectionLabel, LungLabel, type Vec3, type Volume } from '../volume/index.ts';
import { phantomUidsFor } from './phantomUids.ts';
import { gaussianTable, mulberry32, xorshift32 } from './seededRandom.ts';

/**
 * A synthetic chest CT with exact ground truth: the embedded sample of OPAL, the input of the
 * benchmarks, and the fixture of the engine's tests.
 *
 * Anatomy is defined in millimetres in patient space (LPS: x to the patient's left, y posterior,
 * z superior), so a phantom at 256² and one at 512² show the same body at different resolutions.
 * Axial slices, k increasing towards the head. Voxel (i, j, k) sits at
 * origin + (i·Δxy, j·Δxy, k·Δz), the field of view centred on the body.
 */
export interface ChestPhantomOptions {
  /** Seed of every random choice (noise, vessel trees, lesion placement). Default 1. */
  seed?: number;
  /** Which disease the chest carries (see PhantomProfile). Default 'covid'. */
  profile?: PhantomProfile;
  /** Number of axial slices. Default 64. */
  slices?: number;
  /** Rows = columns of each slice. Default 256. */
  size?: number;
  /** In-plane pixel spacing. Default 360 mm / size (a 360 mm field of view: 0.703125 mm at 512). */
  pixelSpacingMm?: number;
  /**
   * Slice spacing = thickness. Default 300 mm / slices (the whole chest from 30 slices up), at most
   * 10 mm: fewer slices cover the middle of the chest.
   */
  sliceThicknessMm?: number;
}

/**
 * The disease painted into the same chest (body, ribs, spine, heart, great vessels, airways, lungs
 * with their vessels are identical in all three for a seed):
 * - `normal`: no lesions at all (a lesion-free chest: infection and severity must read 0);
 * - `covid`: seven lesions, one per lung third plus a consolidation core (the phantom OPAL has always
 *   generated: byte-identical voxels and masks for a seed);
 * - `severe`: dependent, pleural-based consolidation of 35-50 % of the right lung with air
 *   bronchograms and a ground-glass margin, dependent basal atelectasis of both lungs, a left pleural
 *   effusion layering posteriorly, and ground-glass patches in the left lung. It is the case a
 *   threshold lung mask fails on (dense lung against the chest wall, fluid of the same HU beside it).
 */
export type PhantomProfile = 'normal' | 'covid' | 'severe';
export const PHANTOM_PROFILES: readonly PhantomProfile[] = ['normal', 'covid', 'severe'];

/**
 * Labels of `ChestPhantom.findings`, the non-infectious findings of the severe profile. Atelectasis
 * is collapsed lung: inside the lung truth, but not infection (radiologically it is not an
 * opacity of infection, and MedSeg-style annotations leave it out of ground glass and consolidation).
 * A pleural effusion is fluid outside the lung: never in the lung truth.
 */
export const PhantomFinding = { Effusion: 1, Atelectasis: 2 } as const;

export type LungSide = 'right' | 'left';
export type LungZone = 'upper' | 'middle' | 'lower';

export interface VoxelsAndMl {
  voxels: number;
  volumeMl: number;
}

export interface PhantomLesionTruth {
  /** 1-based, in painting order (a later lesion paints over an earlier one). */
  id: number;
  label: typeof InfectionLabel.GroundGlassOpacity | typeof InfectionLabel.Consolidation;
  className: 'ground-glass opacity' | 'consolidation';
  lung: LungSide;
  /** Third of that lung's craniocaudal extent the lesion centre lies in. */
  zone: LungZone;
  /** True for a subpleural lesion (the typical COVID-19 distribution). */
  peripheral: boolean;
  /** LPS centre in mm. */
  centreMm: Vec3;
  /** Voxels of this lesion in the final labelmap (after later lesions painted over it). */
  voxels: number;
  volumeMl: number;
}

/** Everything known about a phantom: `truth.json` next to the series. JSON-serialisable. */
export interface PhantomTruth {
  generator: 'opal-chest-phantom';
  version: 1;
  seed: number;
  profile: PhantomProfile;
  dims: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  voxelVolumeMl: number;
  lungs: { right: VoxelsAndMl; left: VoxelsAndMl; total: VoxelsAndMl };
  infection: { groundGlassOpacity: VoxelsAndMl; consolidation: VoxelsAndMl; total: VoxelsAndMl };
  /** Infection per lung; involvedPercent = infected voxels / lung voxels × 100. */
  perLung: Record<LungSide, { groundGlassOpacity: VoxelsAndMl; consolidation: VoxelsAndMl; involvedPercent: number }>;
  /** Slice index ranges [first, last] (inclusive) of each lung and of its thirds, k increasing upwards. */
  lungSlices: Record<LungSide, { first: number; last: number; zones: Record<LungZone, [number, number]> }>;
  lesions: PhantomLesionTruth[];
  /** The HU interval every voxel of each painted tissue lies in. */
  huRanges: { groundGlassOpacity: [number, number]; consolidation: [number, number]; effusion: [number, number]; atelectasis: [number, number] };
  /** Pleural effusion (fluid between a lung and the chest wall, not lung), by the side it lies on; zero unless severe. */
  effusion: { right: VoxelsAndMl; left: VoxelsAndMl; total: VoxelsAndMl };
  /** Atelectasis (collapsed lung: inside `lungs`, not infection), per lung; zero unless severe. */
  atelectasis: { right: VoxelsAndMl; left: VoxelsAndMl; total: VoxelsAndMl };
}

export interface ChestPhantom {
  /** HU, int16, -1024..3071. */
  volume: Volume<Int16Array>;
  /** 0 background, 1 right lung, 2 left lung (LungLabel). Includes vessels, excludes trachea and main bronchi. */
  lungs: Uint8Array;
  /** 0 background, 1 ground-glass opacity, 2 consolidation (InfectionLabel); always inside `lungs`. */
  infection: Uint8Array;
  /** 0 none, 1 pleural effusion (never in `lungs`), 2 atelectasis (in `lungs`, never infection): PhantomFinding. Null when the profile paints neither. */
  findings: Uint8Array | null;
  truth: PhantomTruth;
}

/** HU intervals the painted lesions are clamped to (the ranges the brief and the literature give). */
export const PHANTOM_GGO_HU: [number, number] = [-650, -300];
export const PHANTOM_CONSOLIDATION_HU: [number, number] = [-100, 50];
/** Simple fluid (a transudate or a non-haemorrhagic exudate). */
export const PHANTOM_EFFUSION_HU: [number, number] = [0, 20];
/** Collapsed, airless lung without contrast: a little denser than fluid. */
export const PHANTOM_ATELECTASIS_HU: [number, number] = [0, 40];

const HU_MIN = -1024;
const HU_MAX = 3071;

// ---- Anatomy (mm, LPS). Sizes of an adult chest; lungs total about 4 L (3965 mL at 512x512x300). ----
const BODY = { cy: 5, a: 165, b: 120, fatMm: 12 };
/** Inner boundary of the chest wall: lungs stay inside it, ribs lie just outside it. */
const CAVITY = { cy: 5, a: 140, b: 98 };
const RIB = { midlineGapMm: 28, thicknessMm: 9, pitchMm: 26, widthMm: 10, slope: 0.45, zMin: -125, zMax: 135, hu: 650 };
const SPINE = { body: { cy: 64, r: 17 }, canal: { cy: 90, r: 7 }, arch: { cy: 92, r: 13 }, hu: 700, discPitchMm: 28, discMm: 6 };
const STERNUM = { cy: -104, a: 16, b: 6, zMin: -80, zMax: 110, hu: 550 };
interface LungShape { side: LungSide; label: number; cx: number; cy: number; a: number; b: number; zBase: number; zApex: number; domeMm: number; medialX: number }
const LUNGS: LungShape[] = [
  // Right lung: the patient's right = low x. Larger, with a higher dome (the liver below it).
  { side: 'right', label: LungLabel.RightLung, cx: -74, cy: 4, a: 62, b: 90, zBase: -118, zApex: 128, domeMm: 62, medialX: -19 },
  { side: 'left', label: LungLabel.LeftLung, cx: 76, cy: 4, a: 58, b: 88, zBase: -122, zApex: 126, domeMm: 52, medialX: 22 },
];
const HEART = { cx: 20, cy: -28, cz: -62, a: 62, b: 50, c: 56, hu: 42 };
const GREAT_VESSELS: { p0: Vec3; p1: Vec3; r: number }[] = [
  { p0: [8, -22, -20], p1: [4, -18, 58], r: 14 }, // ascending aorta
  { p0: [4, -18, 58], p1: [24, 40, 62], r: 12 }, // arch
  { p0: [24, 40, 62], p1: [24, 42, -200], r: 12 }, // descending aorta
  { p0: [22, -30, -10], p1: [26, -8, 30], r: 13 }, // pulmonary trunk
];
const TRACHEA = { cx: 0, cy: 22, rLumen: 9, wallMm: 2, zCarina: 48 };
const HU = { air: -1000, fat: -100, soft: 40, blood: 45, lung: -850, lungGradient: 40, disc: 80, csf: 15 };
const NOISE = { air: 8, fat: 15, soft: 15, lung: 28, bone: 40, vessel: 18, ggo: 45, consolidation: 22 };

interface Capsule { p0: Vec3; p1: Vec3; r: number }

interface Grid {
  nx: number;
  ny: number;
  nz: number;
  sp: number;
  dz: number;
  x0: number;
  y0: number;
  z0: number;
}

/**
 * Builds the phantom. Deterministic for a seed: the same options give the same voxels on every
 * machine. At 512×512×300 it takes a few seconds (it is the benchmark input).
 */
export function generateChestPhantom(opts: ChestPhantomOptions = {}): ChestPhantom {
  const seed = opts.seed ?? 1;
  const profile = opts.profile ?? 'covid';
  if (!PHANTOM_PROFILES.includes(profile)) {
    throw new OpalError('E_BAD_ARGUMENT', `phantom profile must be one of ${PHANTOM_PROFILES.join(', ')}, got ${String(profile)}`);
  }
  const nz = opts.slices ?? 64;
  const n = opts.size ?? 256;
  if (!Number.isInteger(seed)) throw new OpalError('E_BAD_ARGUMENT', `phantom seed must be an integer, got ${seed}`);
  if (!Number.isInteger(nz) || nz < 1 || nz > 2000) throw new OpalError('E_BAD_ARGUMENT', `phantom slices must be 1..2000, got ${nz}`);
  if (!Number.isInteger(n) || n < 16 || n > 2048) throw new OpalError('E_BAD_ARGUMENT', `phantom size must be 16..2048, got ${n}`);
  const sp = opts.pixelSpacingMm ?? 360 / n;
  const dz = opts.sliceThicknessMm ?? Math.min(10, Math.round((300 / nz) * 1000) / 1000);
  if (!(sp > 0 && sp < 20)) throw new OpalError('E_BAD_ARGUMENT', `pixel spacing must be in (0, 20) mm, got ${sp}`);
  if (!(dz > 0 && dz < 50)) throw new OpalError('E_BAD_ARGUMENT', `slice thickness must be in (0, 50) mm, got ${dz}`);

  const g: Grid = { nx: n, ny: n, nz, sp, dz, x0: (-(n - 1) / 2) * sp, y0: (-(n - 1) / 2) * sp, z0: (-(nz - 1) / 2) * dz };
  const count = n * n * nz;
  const hu = new Int16Array(count);
  const lungs = new Uint8Array(count);
  const infection = new Uint8Array(count);
  const random = mulberry32(0x9e3779b9 ^ seed);
  const gauss = gaussianTable(random);
  let state = (Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0 || 1;
  const noise = (): number => {
    state = xorshift32(state);
    return gauss[state >>> 16];
  };

  paintBaseAnatomy(g, hu, lungs, gauss, state);
  state = xorshift32(state ^ 0x5bd1e995) || 1;

  // Great vessels (blood, never lung): ascending aorta, arch, descending aorta beside the spine
  // (it indents the left lung, as in a patient), and the pulmonary trunk.
  for (const c of GREAT_VESSELS) {
    paintCapsule(g, c, (idx) => {
      lungs[idx] = 0;
      hu[idx] = clampHu(HU.blood + NOISE.soft * noise());
    });
  }

  // Airways: trachea and the two main bronchi are air with a soft-tissue wall, never lung.
  const airways: Capsule[] = [
    { p0: [TRACHEA.cx, TRACHEA.cy, 1000], p1: [TRACHEA.cx, TRACHEA.cy, TRACHEA.zCarina], r: TRACHEA.rLumen },
    { p0: [TRACHEA.cx, TRACHEA.cy, TRACHEA.zCarina], p1: [-40, 20, TRACHEA.zCarina - 26], r: 6.5 },
    { p0: [TRACHEA.cx, TRACHEA.cy, TRACHEA.zCarina], p1: [42, 24, TRACHEA.zCarina - 42], r: 5.5 },
  ];
  for (const c of airways) {
    paintCapsule(g, { ...c, r: c.r + TRACHEA.wallMm }, (idx) => {
      lungs[idx] = 0;
      hu[idx] = clampHu(HU.soft + NOISE.soft * noise());
    });
  }
  for (const c of airways) {
    paintCapsule(g, c, (idx) => {
      hu[idx] = clampHu(HU.air + NOISE.air * noise());
    });
  }

  // Pulmonary vessels: seeded branching trees from each hilum, painted only inside the lungs (a
  // lung mask includes its vessels).
  for (const lung of LUNGS) {
    const hilum: Vec3 = lung.side === 'right' ? [-36, 10, 18] : [38, 12, 4];
    for (const seg of vesselTree(hilum, lung, random)) {
      paintCapsule(g, seg, (idx) => {
        if (lungs[idx] !== 0) hu[idx] = clampHu(HU.blood + NOISE.vessel * noise());
      });
    }
  }

  // Infection lesions, inside the lungs only; the labels are exactly the voxels painted.
  const lesionId = new Uint8Array(count);
  let lesions: PaintedLesion[] = [];
  let findings: Uint8Array | null = null;
  const paintPlans = (plans: LesionPlan[], firstId: number, skip?: (idx: number) => boolean): void => {
    plans.forEach((plan, index) => {
      const id = firstId + index;
      const lung = LUNGS.find((l) => l.side === plan.lung) as LungShape;
      const range = plan.label === InfectionLabel.GroundGlassOpacity ? PHANTOM_GGO_HU : PHANTOM_CONSOLIDATION_HU;
      const sd = plan.label === InfectionLabel.GroundGlassOpacity ? NOISE.ggo : NOISE.consolidation;
      const { centre, radii } = placeLesion(plan, lung);
      plan.centre = centre;
      paintLobulatedEllipsoid(g, centre, radii, plan.lobulation, (idx) => {
        if (lungs[idx] !== lung.label || (skip !== undefined && skip(idx))) return;
        let v = plan.baseHu + sd * noise();
        if (v < range[0]) v = range[0];
        else if (v > range[1]) v = range[1];
        hu[idx] = v;
        infection[idx] = plan.label;
        lesionId[idx] = id;
      });
    });
  };
  if (profile === 'covid') {
    // Lesions draw from their own stream, so that changing the vessel trees never moves them.
    const plans = planLesions(mulberry32(0x2545f491 ^ Math.imul(seed, 0x27d4eb2d)));
    paintPlans(plans, 1);
    lesions = plans;
  } else if (profile === 'severe') {
    findings = new Uint8Array(count);
    const random2 = mulberry32(0x68e31da4 ^ Math.imul(seed, 0x1b873593));
    lesions = paintSevereDisease(g, hu, lungs, infection, findings, lesionId, gauss, random2);
    const patches = planLeftGroundGlass(random2);
    const atelectatic = findings;
    paintPlans(patches, lesions.length + 1, (idx) => atelectatic[idx] !== 0);
    lesions = [...lesions, ...patches];
  }

  const truth = computeTruth(seed, profile, g, lungs, infection, findings, lesionId, lesions);
  const uids = phantomUidsFor(seed, truth.dims, truth.spacingMm, profile);
  const volume: Volume<Int16Array> = {
    dims: [n, n, nz],
    spacingMm: [sp, sp, dz],
    originMm: [g.x0, g.y0, g.z0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    voxels: hu,
    meta: {
      modality: 'CT',
      patientName: 'OPAL^PHANTOM',
      patientId: profile === 'covid' ? `OPAL-PHANTOM-${seed}` : `OPAL-PHANTOM-${seed}-${profile.toUpperCase()}`,
      // The UIDs the written series carries (writePhantomSeries), so that exports made from the
      // in-memory phantom reference the same study, series, frame of reference and slices.
      studyInstanceUid: uids.studyInstanceUid,
      seriesInstanceUid: uids.seriesInstanceUid,
      frameOfReferenceUid: uids.frameOfReferenceUid,
      sopInstanceUids: Array.from({ length: nz }, (_, k) => uids.sopInstanceUid(k)),
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      seriesDescription: profile === 'covid' ? `OPAL chest phantom seed ${seed}` : `OPAL chest phantom seed ${seed} (${profile})`,
      studyDate: '20200401',
      phantomSeed: seed,
    },
  };
  return { volume, lungs, infection, findings, truth };
}

/** Lung cross-section scale at height z: 1 at the base, 0 at the apex (a dome). */
function lungScale(lung: LungShape, z: number): number {
  const t = (z - lung.zBase) / (lung.zApex - lung.zBase);
  if (t < 0 || t > 1) return 0;
  return Math.sqrt(1 - t * t);
}

/** True when LPS point p lies in the lung's shape (before mediastinal structures cut it). */
function insideLungShape(lung: LungShape, p: Vec3): boolean {
  const s = lungScale(lung, p[2]);
  if (s <= 0) return false;
  const u = (p[0] - lung.cx) / (lung.a * s);
  const v = (p[1] - lung.cy) / (lung.b * s);
  const rr = u * u + v * v;
  if (rr >= 1) return false;
  const ub = (p[0] - lung.cx) / lung.a;
  const vb = (p[1] - lung.cy) / lung.b;
  const diaphragm = lung.zBase + lung.domeMm * Math.max(0, 1 - (ub * ub + vb * vb));
  if (p[2] <= diaphragm) return false;
  const cu = p[0] / CAVITY.a;
  const cv = (p[1] - CAVITY.cy) / CAVITY.b;
  if (cu * cu + cv * cv >= 0.96) return false;
  return lung.side === 'right' ? p[0] < lung.medialX : p[0] > lung.medialX;
}

/** Half-width (mm) of an ellipse of semi-axes a, b at offset v from its centre along b; -1 outside. */
function halfWidth(a: number, b: number, v: number): number {
  const t = v / b;
  return t * t < 1 ? a * Math.sqrt(1 - t * t) : -1;
}

/**
 * Body, fat, chest wall, ribs, sternum, spine, heart and lungs: one pass over every voxel. Each row
 * first works out where its tissues begin and end (ellipse chords), so the voxel loop only compares
 * x with a few bounds: this is the 78-million-voxel loop of the benchmark phantom.
 */
function paintBaseAnatomy(g: Grid, hu: Int16Array, lungs: Uint8Array, gauss: Float32Array, seedState: number): void {
  const { nx, ny, nz, sp, dz, x0, y0, z0 } = g;
  let s = seedState >>> 0 || 1;
  const bodyInnerA = BODY.a - BODY.fatMm;
  const bodyInnerB = BODY.b - BODY.fatMm;
  const ribOuterA = CAVITY.a + RIB.thicknessMm;
  const ribOuterB = CAVITY.b + RIB.thicknessMm;
  const lungCavityFraction = Math.sqrt(0.96);
  const nLungs = LUNGS.length;
  const lungLo = new Float64Array(nLungs);
  const lungHi = new Float64Array(nLungs);
  const rowPlan = new Float64Array(R.size);
  const lungParams = new Float64Array(nLungs * LUNG_PARAMS);
  LUNGS.forEach((l, n) => lungParams.set([l.cx, l.cy, l.a, l.b, l.zBase, l.domeMm, l.label], n * LUNG_PARAMS));
  for (let k = 0; k < nz; k++) {
    const z = z0 + k * dz;
    const sliceBase = k * nx * ny;
    const lungScales = LUNGS.map((l) => lungScale(l, z));
    const heartDz = (z - HEART.cz) / HEART.c;
    const heartRem = 1 - heartDz * heartDz; // > 0 when the slice cuts the heart
    const discPhase = (((z + 1000) % SPINE.discPitchMm) + SPINE.discPitchMm) % SPINE.discPitchMm;
    const inDisc = discPhase < SPINE.discMm;
    const ribsHere = z >= RIB.zMin && z <= RIB.zMax;
    const sternumHere = z >= STERNUM.zMin && z <= STERNUM.zMax;
    for (let j = 0; j < ny; j++) {
      const y = y0 + j * sp;
      const row = sliceBase + j * nx;
      const wBody = halfWidth(BODY.a, BODY.b, y - BODY.cy);
      const wFat = halfWidth(bodyInnerA, bodyInnerB, y - BODY.cy);
      const wCavity = halfWidth(CAVITY.a, CAVITY.b, y - CAVITY.cy);
      const wRib = halfWidth(ribOuterA, ribOuterB, y - CAVITY.cy);
      const wLungCavity = halfWidth(CAVITY.a * lungCavityFraction, CAVITY.b * lungCavityFraction, y - CAVITY.cy);
      const ribZ = z - RIB.slope * y; // ribs run down towards the front
      const ribPhase = (((ribZ + 1000) % RIB.pitchMm) + RIB.pitchMm) % RIB.pitchMm;
      const onRib = ribsHere && ribPhase < RIB.widthMm;
      // Spine (centred on x = 0): chord half-widths of the vertebral body, the canal and the arch.
      const wSpineBody = halfWidth(SPINE.body.r, SPINE.body.r, y - SPINE.body.cy);
      const wCanal = halfWidth(SPINE.canal.r, SPINE.canal.r, y - SPINE.canal.cy);
      const wArch = inDisc ? -1 : halfWidth(SPINE.arch.r, SPINE.arch.r, y - SPINE.arch.cy);
      const wSternum = sternumHere ? halfWidth(STERNUM.a, STERNUM.b, y - STERNUM.cy) : -1;
      const wHeart = heartRem > 0 ? halfWidth(HEART.a * Math.sqrt(heartRem), HEART.b * Math.sqrt(heartRem), y - HEART.cy) : -1;
      let anyLung = false;
      for (let l = 0; l < nLungs; l++) {
        const lung = LUNGS[l];
        const sc = lungScales[l];
        const w = sc > 0 ? halfWidth(lung.a * sc, lung.b * sc, y - lung.cy) : -1;
        if (w < 0 || wLungCavity < 0) {
          lungLo[l] = Infinity;
          lungHi[l] = -Infinity;
          continue;
        }
        let lo = Math.max(lung.cx - w, -wLungCavity);
        let hi = Math.min(lung.cx + w, wLungCavity);
        if (lung.side === 'right') hi = Math.min(hi, lung.medialX);
        else lo = Math.max(lo, lung.medialX);
        lungLo[l] = lo;
        lungHi[l] = hi;
        if (lo < hi) anyLung = true;
      }
      rowPlan[R.wBody] = wBody;
      rowPlan[R.wFat] = wFat;
      rowPlan[R.wCavity] = wCavity;
      rowPlan[R.wRib] = onRib ? wRib : -1;
      rowPlan[R.wSpineBody] = wSpineBody;
      rowPlan[R.wCanal] = wCanal;
      rowPlan[R.wArch] = wArch;
      rowPlan[R.wSternum] = wSternum;
      rowPlan[R.wHeart] = wHeart;
      rowPlan[R.spineHu] = inDisc ? HU.disc : SPINE.hu;
      rowPlan[R.spineSd] = inDisc ? NOISE.soft : NOISE.bone;
      rowPlan[R.anyLung] = anyLung ? 1 : 0;
      s = paintRow(hu, lungs, gauss, row, nx, x0, sp, y, z, rowPlan, lungParams, lungLo, lungHi, s);
    }
  }
}

/** Slots of the per-row plan handed to paintRow (chord half-widths in mm; -1 = not in this row). */
const R = { wBody: 0, wFat: 1, wCavity: 2, wRib: 3, wSpineBody: 4, wCanal: 5, wArch: 6, wSternum: 7, wHeart: 8, spineHu: 9, spineSd: 10, anyLung: 11, size: 12 } as const;
/** Per-lung numbers for the voxel loop: cx, cy, a, b, zBase, domeMm, label. */
const LUNG_PARAMS = 7;

/** The voxel loop of one row (a small hot function V8 optimises well). Returns the noise state. */
function paintRow(
  hu: Int16Array, lungs: Uint8Array, gauss: Float32Array, row: number, nx: number, x0: number, sp: number, y: number, z: number,
  P: Float64Array, L: Float64Array, lungLo: Float64Array, lungHi: Float64Array, state: number,
): number {
  let s = state;
  const wBody = P[0], wFat = P[1], wCavity = P[2], wRib = P[3], wSpineBody = P[4], wCanal = P[5], wArch = P[6];
  const wSternum = P[7], wHeart = P[8], spineHu = P[9], spineSd = P[10], anyLung = P[11] > 0;
  const nLungs = lungLo.length;
  const heartCx = HEART.cx;
  for (let i = 0; i < nx; i++) {
    const x = x0 + i * sp;
    const ax = x < 0 ? -x : x;
    const idx = row + i;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const gn = gauss[(s >>> 16) & 0xffff];
    let value: number;
    if (ax >= wBody) value = HU.air + NOISE.air * gn;
    else if (ax >= wFat) value = HU.fat + NOISE.fat * gn;
    else if (ax >= wCavity) {
      // Chest wall: muscle, with ribs just outside the cavity (not at the midline, where the
      // sternum and the spine are).
      value = ax < wRib && ax > RIB.midlineGapMm ? RIB.hu + NOISE.bone * gn : HU.soft + NOISE.soft * gn;
    } else if (ax < wSpineBody) value = spineHu + spineSd * gn;
    else if (ax < wCanal) value = HU.csf + NOISE.soft * gn;
    else if (ax < wArch) value = SPINE.hu + NOISE.bone * gn;
    else if (ax < wSternum) value = STERNUM.hu + NOISE.bone * gn;
    else if (x > heartCx - wHeart && x < heartCx + wHeart) value = HEART.hu + NOISE.soft * gn;
    else {
      value = HU.soft + NOISE.soft * gn;
      if (anyLung) {
        for (let l = 0; l < nLungs; l++) {
          if (x <= lungLo[l] || x >= lungHi[l]) continue;
          const o = l * LUNG_PARAMS;
          const ub = (x - L[o]) / L[o + 2];
          const vb = (y - L[o + 1]) / L[o + 3];
          const rr = ub * ub + vb * vb;
          if (z <= L[o + 4] + L[o + 5] * (rr < 1 ? 1 - rr : 0)) continue; // below the diaphragm
          // Dependent (posterior) lung is a little denser, as in a supine patient.
          value = HU.lung + HU.lungGradient * vb + NOISE.lung * gn;
          lungs[idx] = L[o + 6];
          break;
        }
      }
    }
    hu[idx] = value < HU_MIN ? HU_MIN : value > HU_MAX ? HU_MAX : value;
  }
  return s;
}

function clampHu(v: number): number {
  return v < HU_MIN ? HU_MIN : v > HU_MAX ? HU_MAX : v;
}

/** Calls paint(index) for every voxel whose centre lies within r of the segment p0-p1. */
function paintCapsule(g: Grid, c: Capsule, paint: (idx: number) => void): void {
  const { p0, p1, r } = c;
  const range = (lo: number, hi: number, origin: number, step: number, size: number): [number, number] => [
    Math.max(0, Math.ceil((lo - origin) / step)),
    Math.min(size - 1, Math.floor((hi - origin) / step)),
  ];
  const [i0, i1] = range(Math.min(p0[0], p1[0]) - r, Math.max(p0[0], p1[0]) + r, g.x0, g.sp, g.nx);
  const [j0, j1] = range(Math.min(p0[1], p1[1]) - r, Math.max(p0[1], p1[1]) + r, g.y0, g.sp, g.ny);
  const [k0, k1] = range(Math.min(p0[2], p1[2]) - r, Math.max(p0[2], p1[2]) + r, g.z0, g.dz, g.nz);
  const dx = p1[0] - p0[0];
  const dy = p1[1] - p0[1];
  const dzz = p1[2] - p0[2];
  const len2 = dx * dx + dy * dy + dzz * dzz;
  const r2 = r * r;
  for (let k = k0; k <= k1; k++) {
    const z = g.z0 + k * g.dz;
    for (let j = j0; j <= j1; j++) {
      const y = g.y0 + j * g.sp;
      const row = (k * g.ny + j) * g.nx;
      for (let i = i0; i <= i1; i++) {
        const x = g.x0 + i * g.sp;
        let t = len2 > 0 ? ((x - p0[0]) * dx + (y - p0[1]) * dy + (z - p0[2]) * dzz) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = x - (p0[0] + t * dx);
        const ey = y - (p0[1] + t * dy);
        const ez = z - (p0[2] + t * dzz);
        if (ex * ex + ey * ey + ez * ez <= r2) paint(row + i);
      }
    }
  }
}

/**
 * Pulmonary vessel tree of one lung: eight trunks of 5 mm radius from the hilum fanning up, out,
 * down, forwards and backwards (see branchingTree).
 */
function vesselTree(hilum: Vec3, lung: LungShape, random: () => number): Capsule[] {
  const lateral = lung.side === 'right' ? -1 : 1;
  return branchingTree(hilum, vesselTrunks(lateral), lung, random, 26, 10, 5);
}

function vesselTrunks(lateral: number): Vec3[] {
  return [
    [0.25 * lateral, 0, 1],
    [0.8 * lateral, -0.2, 0.7],
    [1 * lateral, 0.1, 0.1],
    [0.8 * lateral, 0.3, -0.7],
    [0.35 * lateral, 0.2, -1],
    [0.3 * lateral, 0.8, -0.7],
    [0.5 * lateral, -1, -0.1],
    [0.5 * lateral, 1, 0.1],
  ];
}

/**
 * A tree grown from `root` along each trunk direction: each segment branches in two with a random
 * turn, radius ×0.75 and length ×0.72-0.86 per generation, down to about 1 mm. Branches that leave
 * the lung stop there. Trunk length = trunkLengthMm + jitterMm × random().
 */
function branchingTree(root: Vec3, trunks: Vec3[], lung: LungShape, random: () => number, trunkLengthMm: number, jitterMm: number, trunkRadiusMm: number): Capsule[] {
  const out: Capsule[] = [];
  const grow = (p: Vec3, dir: Vec3, length: number, r: number, depth: number): void => {
    const d = normalise(dir);
    const end: Vec3 = [p[0] + d[0] * length, p[1] + d[1] * length, p[2] + d[2] * length];
    out.push({ p0: p, p1: end, r });
    if (depth >= 7 || r < 0.9 || !insideLungShape(lung, end)) return;
    for (let b = 0; b < 2; b++) {
      const turn = 0.45 + 0.35 * random();
      const sign = b === 0 ? 1 : -1;
      const ortho = normalise(cross(d, [random() - 0.5, random() - 0.5, random() - 0.5]));
      const nd: Vec3 = [d[0] + sign * turn * ortho[0], d[1] + sign * turn * ortho[1], d[2] + sign * turn * ortho[2]];
      grow(end, nd, length * (0.72 + 0.14 * random()), r * 0.75, depth + 1);
    }
  };
  for (const t of trunks) grow(root, t, trunkLengthMm + jitterMm * random(), trunkRadiusMm, 0);
  return out;
}

function normalise(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** What the truth needs to know of a painted lesion (its voxels carry its 1-based id in lesionId). */
interface PaintedLesion {
  label: typeof InfectionLabel.GroundGlassOpacity | typeof InfectionLabel.Consolidation;
  lung: LungSide;
  zone: LungZone;
  peripheral: boolean;
  centre: Vec3;
}

interface LesionPlan {
  label: typeof InfectionLabel.GroundGlassOpacity | typeof InfectionLabel.Consolidation;
  lung: LungSide;
  zone: LungZone;
  peripheral: boolean;
  /** Position in the zone: 0 bottom .. 1 top of the third. */
  zoneFraction: number;
  /** Angle in the axial plane (0 = lateral, π/2 = posterior). */
  angle: number;
  /** Distance from the lung axis as a fraction of the local lung radius. */
  radial: number;
  radiusMm: number;
  baseHu: number;
  lobulation: [number, number, number];
  /** A lesion painted inside the previous one (consolidation within ground glass). */
  coreOf?: number;
  centre: Vec3;
}

/** Six lesions, one per lung third, and a consolidation core in the largest: jittered by the seed. */
function planLesions(random: () => number): LesionPlan[] {
  const GGO = InfectionLabel.GroundGlassOpacity;
  const CONS = InfectionLabel.Consolidation;
  const j = (lo: number, hi: number): number => lo + (hi - lo) * random();
  const ggoHu = (): number => j(-580, -420);
  const consHu = (): number => j(-45, 15);
  const lob = (): [number, number, number] => [j(0, 2 * Math.PI), j(0, 2 * Math.PI), j(0.08, 0.18)];
  const base = (p: Omit<LesionPlan, 'centre' | 'lobulation'>): LesionPlan => ({ ...p, lobulation: lob(), centre: [0, 0, 0] });
  const plans: LesionPlan[] = [
    base({ label: GGO, lung: 'right', zone: 'upper', peripheral: true, zoneFraction: j(0.25, 0.45), angle: j(-1.6, -0.9), radial: j(0.6, 0.7), radiusMm: j(13, 17), baseHu: ggoHu() }),
    base({ label: GGO, lung: 'right', zone: 'middle', peripheral: true, zoneFraction: j(0.4, 0.6), angle: j(0.7, 1.2), radial: j(0.55, 0.65), radiusMm: j(22, 27), baseHu: ggoHu() }),
  ];
  plans.push(base({ label: CONS, lung: 'right', zone: 'middle', peripheral: true, zoneFraction: plans[1].zoneFraction, angle: plans[1].angle, radial: plans[1].radial + 0.05, radiusMm: j(8, 11), baseHu: consHu(), coreOf: 2 }));
  plans.push(
    base({ label: CONS, lung: 'right', zone: 'lower', peripheral: true, zoneFraction: j(0.55, 0.75), angle: j(1.2, 1.6), radial: j(0.55, 0.65), radiusMm: j(13, 16), baseHu: consHu() }),
    base({ label: GGO, lung: 'left', zone: 'upper', peripheral: true, zoneFraction: j(0.2, 0.4), angle: j(-0.6, 0.3), radial: j(0.55, 0.65), radiusMm: j(9, 12), baseHu: ggoHu() }),
    base({ label: CONS, lung: 'left', zone: 'middle', peripheral: false, zoneFraction: j(0.4, 0.6), angle: j(0.1, 0.6), radial: j(0.25, 0.35), radiusMm: j(10, 13), baseHu: consHu() }),
    base({ label: GGO, lung: 'left', zone: 'lower', peripheral: true, zoneFraction: j(0.6, 0.8), angle: j(1.1, 1.5), radial: j(0.55, 0.65), radiusMm: j(18, 23), baseHu: ggoHu() }),
  );
  return plans;
}

/** Lung z-range (mm) from base to apex. */
function lungThirdMm(lung: LungShape, zone: LungZone): [number, number] {
  const h = (lung.zApex - lung.zBase) / 3;
  const k = zone === 'lower' ? 0 : zone === 'middle' ? 1 : 2;
  return [lung.zBase + k * h, lung.zBase + (k + 1) * h];
}

function placeLesion(plan: LesionPlan, lung: LungShape): { centre: Vec3; radii: Vec3 } {
  const [zLo, zHi] = lungThirdMm(lung, plan.zone);
  const z = zLo + plan.zoneFraction * (zHi - zLo);
  const s = lungScale(lung, z);
  const lateral = lung.side === 'right' ? -1 : 1;
  const x = lung.cx + lateral * Math.cos(plan.angle) * plan.radial * lung.a * s;
  const y = lung.cy + Math.sin(plan.angle) * plan.radial * lung.b * s;
  const r = plan.radiusMm;
  return { centre: [x, y, z], radii: [r, r * 1.1, r * 0.85] };
}

/** Ellipsoid with a gently lobulated surface (radius × (1 + amp·sin·cos)), painted per voxel. */
function paintLobulatedEllipsoid(g: Grid, c: Vec3, radii: Vec3, lob: [number, number, number], paint: (idx: number) => void): void {
  const [p0, p1, amp] = lob;
  const rMax = Math.max(...radii) * (1 + amp);
  // Only the shell between (1 - amp) and (1 + amp) needs the trigonometry of the lobulation.
  const inner2 = (1 - amp) * (1 - amp);
  const outer2 = (1 + amp) * (1 + amp);
  const lo = (v: number, o: number, s: number): number => Math.max(0, Math.ceil((v - rMax - o) / s));
  const hi = (v: number, o: number, s: number, n: number): number => Math.min(n - 1, Math.floor((v + rMax - o) / s));
  for (let k = lo(c[2], g.z0, g.dz); k <= hi(c[2], g.z0, g.dz, g.nz); k++) {
    const ez = (g.z0 + k * g.dz - c[2]) / radii[2];
    for (let j = lo(c[1], g.y0, g.sp); j <= hi(c[1], g.y0, g.sp, g.ny); j++) {
      const ey = (g.y0 + j * g.sp - c[1]) / radii[1];
      const row = (k * g.ny + j) * g.nx;
      for (let i = lo(c[0], g.x0, g.sp); i <= hi(c[0], g.x0, g.sp, g.nx); i++) {
        const ex = (g.x0 + i * g.sp - c[0]) / radii[0];
        const rho2 = ex * ex + ey * ey + ez * ez;
        if (rho2 > outer2) continue;
        if (rho2 <= inner2) {
          paint(row + i);
          continue;
        }
        const limit = 1 + amp * Math.sin(3 * Math.atan2(ey, ex) + p0) * Math.cos(2 * Math.atan2(ez, Math.hypot(ex, ey)) + p1);
        if (rho2 <= limit * limit) paint(row + i);
      }
    }
  }
}

/**
 * Shape of the severe profile (mm, or fractions of the lung's local anteroposterior depth). In a
 * supine patient disease and fluid are dependent: they lie along the posterior chest wall, so depth
 * is measured forwards from the back of the lung's cross-section (ignoring the diaphragm), column by
 * column; a band of constant depth is a crescent that thins to nothing where the wall turns lateral.
 */
const SEVERE = {
  /** Consolidated fraction of the right lung's depth at its base and at its apex (+ the margin's waviness). */
  consolidationDepthBase: 0.56,
  consolidationDepthApex: 0.3,
  marginWaviness: 0.1,
  /** Ground glass ahead of the consolidation (its advancing margin). */
  groundGlassMarginMm: 6,
  /** Consolidation HU runs from about -45 at the margin to +10 against the chest wall, ±22 noise. */
  consolidationMarginHu: -45,
  consolidationWallHu: 10,
  /** Dependent atelectasis: a posterior basal band (right: under the consolidation; left: ahead of the fluid). */
  atelectasisMm: { right: 7, left: 8 },
  atelectasisHeightMm: { right: 75, left: 120 },
  atelectasisHu: 26,
  atelectasisSd: 6,
  /** Left effusion: depth at the base, the height it reaches above the lung base, and its fluid. */
  effusionMm: 38,
  effusionHeightMm: 110,
  effusionHu: 9,
  effusionSd: 5,
  /** Air bronchograms: bronchi from the right hilum, seen as air only where they cross consolidation. */
  bronchogramRadiusMm: 2.6,
  bronchogramHu: -960,
} as const;

/**
 * Paints the severe profile's right-lung consolidation (lesion 1), its ground-glass margin (lesion
 * 2), air bronchograms, both lungs' dependent atelectasis and the left pleural effusion (which stops
 * being lung). Runs after the vessels: consolidation hides them, as on a CT without contrast.
 * Returns the two painted lesions.
 */
function paintSevereDisease(
  g: Grid, hu: Int16Array, lungs: Uint8Array, infection: Uint8Array, findings: Uint8Array, lesionId: Uint8Array,
  gauss: Float32Array, random: () => number,
): PaintedLesion[] {
  const { nx, ny, nz, sp, dz, x0, y0, z0 } = g;
  const [right, left] = LUNGS;
  const phase = [random(), random(), random()].map((r) => r * 2 * Math.PI);
  let state = Math.floor(random() * 0xffffffff) >>> 0 || 1;
  const cavityFraction = Math.sqrt(0.96);
  // Per column i of the slice: the back and front of each lung's cross-section (y, mm), and the
  // consolidated fraction of the right lung's depth.
  const back = [new Float64Array(nx), new Float64Array(nx)];
  const front = [new Float64Array(nx), new Float64Array(nx)];
  const consolidatedFraction = new Float64Array(nx);
  // Centroid sums (x, y, z, count) of the consolidation and of its ground-glass margin.
  const sums = [new Float64Array(4), new Float64Array(4)];
  const { GroundGlassOpacity: GGO, Consolidation: CONS } = InfectionLabel;
  const noise = (): number => {
    state = xorshift32(state);
    return gauss[state >>> 16];
  };
  for (let k = 0; k < nz; k++) {
    const z = z0 + k * dz;
    [right, left].forEach((lung, l) => {
      const sc = lungScale(lung, z);
      for (let i = 0; i < nx; i++) {
        const x = x0 + i * sp;
        const hLung = sc > 0 ? halfWidth(lung.b * sc, lung.a * sc, x - lung.cx) : -1;
        const hCavity = halfWidth(CAVITY.b * cavityFraction, CAVITY.a * cavityFraction, x);
        back[l][i] = hLung < 0 || hCavity < 0 ? NaN : Math.min(lung.cy + hLung, CAVITY.cy + hCavity);
        front[l][i] = hLung < 0 || hCavity < 0 ? NaN : Math.max(lung.cy - hLung, CAVITY.cy - hCavity);
      }
    });
    const tRight = Math.min(1, Math.max(0, (z - right.zBase) / (right.zApex - right.zBase)));
    const depthHere = SEVERE.consolidationDepthBase + (SEVERE.consolidationDepthApex - SEVERE.consolidationDepthBase) * tRight * tRight;
    for (let i = 0; i < nx; i++) {
      const x = x0 + i * sp;
      consolidatedFraction[i] =
        depthHere +
        SEVERE.marginWaviness *
          (0.5 * Math.sin(0.06 * x + 0.025 * z + phase[0]) + 0.3 * Math.sin(0.13 * x - 0.05 * z + phase[1]) + 0.2 * Math.sin(0.29 * x + 0.11 * z + phase[2]));
    }
    const rel = (lung: LungShape, heightMm: number): number => Math.max(0, (z - lung.zBase) / heightMm);
    const atelectasisRightMm = SEVERE.atelectasisMm.right * Math.max(0, 1 - rel(right, SEVERE.atelectasisHeightMm.right));
    const effusionMm = SEVERE.effusionMm * Math.pow(Math.max(0, 1 - rel(left, SEVERE.effusionHeightMm)), 0.7);
    const atelectasisLeftMm = SEVERE.atelectasisMm.left * Math.sqrt(Math.max(0, 1 - rel(left, SEVERE.atelectasisHeightMm.left)));
    const groundGlassMarginMm = SEVERE.groundGlassMarginMm * (1 + 0.4 * Math.sin(0.045 * z + phase[2]));
    const plan = [atelectasisRightMm, groundGlassMarginMm, effusionMm, atelectasisLeftMm, x0, sp, z];
    for (let j = 0; j < ny; j++) {
      const row = (k * ny + j) * nx;
      state = paintSevereRow(hu, lungs, infection, findings, lesionId, gauss, row, nx, y0 + j * sp, plan, back[0], front[0], back[1], consolidatedFraction, sums, state);
    }
  }

  // Air bronchograms: bronchi running back and down from the right hilum into the consolidation.
  // They are air, so lung but not infection (and they keep the consolidation's HU band clean).
  const trunks: Vec3[] = [
    [-0.5, 1, -0.3],
    [-0.9, 0.7, -0.6],
    [-0.3, 0.9, 0.5],
    [-0.5, 0.6, -1],
    [-0.8, 0.5, 0.3],
    [-0.1, 0.8, -0.8],
  ];
  const bronchi = branchingTree([-36, 14, 18], trunks, right, random, 22, 8, SEVERE.bronchogramRadiusMm);
  for (const c of bronchi) {
    paintCapsule(g, c, (idx) => {
      if (infection[idx] !== CONS || lungs[idx] !== right.label) return;
      hu[idx] = clampHu(SEVERE.bronchogramHu + NOISE.air * noise());
      infection[idx] = 0;
      lesionId[idx] = 0;
    });
  }

  const painted = (label: PaintedLesion['label'], sum: Float64Array): PaintedLesion => {
    const n = Math.max(1, sum[3]);
    const centre: Vec3 = [sum[0] / n, sum[1] / n, sum[2] / n];
    const third = (right.zApex - right.zBase) / 3;
    const zone: LungZone = centre[2] < right.zBase + third ? 'lower' : centre[2] < right.zBase + 2 * third ? 'middle' : 'upper';
    return { label, lung: 'right', zone, peripheral: true, centre };
  };
  return [painted(CONS, sums[0]), painted(GGO, sums[1])];
}

/**
 * The voxel loop of one row of the severe profile (kept apart, with its noise state in a local, for
 * the same reason as paintRow). `plan`: right atelectasis depth, ground-glass margin, effusion depth,
 * left atelectasis depth (mm), x0, pixel spacing, z. Returns the noise state.
 */
function paintSevereRow(
  hu: Int16Array, lungs: Uint8Array, infection: Uint8Array, findings: Uint8Array, lesionId: Uint8Array, gauss: Float32Array,
  row: number, nx: number, y: number, plan: number[], backRight: Float64Array, frontRight: Float64Array, backLeft: Float64Array,
  consolidatedFraction: Float64Array, sums: Float64Array[], seedState: number,
): number {
  let s = seedState;
  const [atelectasisRightMm, groundGlassMarginMm, effusionMm, atelectasisLeftMm, x0, sp, z] = plan;
  const rightLabel = LungLabel.RightLung;
  const leftLabel = LungLabel.LeftLung;
  const wallMinusMargin = SEVERE.consolidationWallHu - SEVERE.consolidationMarginHu;
  for (let i = 0; i < nx; i++) {
    const idx = row + i;
    const label = lungs[idx];
    if (label !== rightLabel && label !== leftLabel) continue;
    const b = label === rightLabel ? backRight[i] : backLeft[i];
    if (b !== b) continue; // NaN: no cross-section in this column
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const gn = gauss[(s >>> 16) & 0xffff];
    const depth = b - y;
    let v = NaN;
    let range = PHANTOM_ATELECTASIS_HU;
    if (label === rightLabel) {
      const consolidatedMm = consolidatedFraction[i] * (b - frontRight[i]);
      if (depth < atelectasisRightMm) {
        findings[idx] = PhantomFinding.Atelectasis;
        v = SEVERE.atelectasisHu + SEVERE.atelectasisSd * gn;
      } else if (depth < consolidatedMm) {
        v = SEVERE.consolidationMarginHu + wallMinusMargin * (1 - depth / consolidatedMm) + NOISE.consolidation * gn;
        range = PHANTOM_CONSOLIDATION_HU;
        infection[idx] = InfectionLabel.Consolidation;
        lesionId[idx] = 1;
        addTo(sums[0], x0 + i * sp, y, z);
      } else if (depth < consolidatedMm + groundGlassMarginMm) {
        v = -520 + NOISE.ggo * gn;
        range = PHANTOM_GGO_HU;
        infection[idx] = InfectionLabel.GroundGlassOpacity;
        lesionId[idx] = 2;
        addTo(sums[1], x0 + i * sp, y, z);
      }
    } else if (depth < effusionMm) {
      // Fluid between the lung and the chest wall: no longer lung.
      lungs[idx] = 0;
      findings[idx] = PhantomFinding.Effusion;
      v = SEVERE.effusionHu + SEVERE.effusionSd * gn;
      range = PHANTOM_EFFUSION_HU;
    } else if (depth < effusionMm + atelectasisLeftMm) {
      findings[idx] = PhantomFinding.Atelectasis;
      v = SEVERE.atelectasisHu + SEVERE.atelectasisSd * gn;
    }
    if (v === v) hu[idx] = v < range[0] ? range[0] : v > range[1] ? range[1] : v;
  }
  return s;
}

function addTo(sum: Float64Array, x: number, y: number, z: number): void {
  sum[0] += x;
  sum[1] += y;
  sum[2] += z;
  sum[3]++;
}

/** The severe profile's left-lung ground glass: four patches, none in the dependent base. */
function planLeftGroundGlass(random: () => number): LesionPlan[] {
  const GGO = InfectionLabel.GroundGlassOpacity;
  const j = (lo: number, hi: number): number => lo + (hi - lo) * random();
  const plan = (zone: LungZone, zoneFraction: number, angle: number, radial: number, radiusMm: number): LesionPlan => ({
    label: GGO, lung: 'left', zone, peripheral: radial > 0.5, zoneFraction, angle, radial, radiusMm, baseHu: j(-600, -450),
    lobulation: [j(0, 2 * Math.PI), j(0, 2 * Math.PI), j(0.08, 0.18)], centre: [0, 0, 0],
  });
  return [
    plan('upper', j(0.2, 0.4), j(-1.4, -0.6), j(0.55, 0.65), j(14, 18)),
    plan('middle', j(0.3, 0.6), j(-0.4, 0.4), j(0.55, 0.65), j(17, 21)),
    plan('middle', j(0.5, 0.8), j(-1.9, -1.5), j(0.45, 0.55), j(12, 15)),
    plan('lower', j(0.75, 0.95), j(-1.0, -0.4), j(0.5, 0.6), j(14, 18)),
  ];
}

function computeTruth(
  seed: number, profile: PhantomProfile, g: Grid, lungs: Uint8Array, infection: Uint8Array, findings: Uint8Array | null, lesionId: Uint8Array,
  plans: PaintedLesion[],
): PhantomTruth {
  const voxelVolumeMl = (g.sp * g.sp * g.dz) / 1000;
  const ml = (voxels: number): VoxelsAndMl => ({ voxels, volumeMl: voxels * voxelVolumeMl });
  const lungCount = [0, 0, 0];
  const perLung = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]; // [lung label][infection label]
  const lesionCount = new Array<number>(plans.length + 1).fill(0);
  const sliceSize = g.nx * g.ny;
  const first = [Infinity, Infinity, Infinity];
  const last = [-1, -1, -1];
  // Effusion by side (x < 0 is the patient's right) and atelectasis by lung: [right, left].
  const effusion = [0, 0];
  const atelectasis = [0, 0];
  if (findings !== null) {
    const xMidline = -g.x0 / g.sp; // column index of x = 0
    for (let p = 0; p < findings.length; p++) {
      const f = findings[p];
      if (f === PhantomFinding.Effusion) effusion[p % g.nx < xMidline ? 0 : 1]++;
      else if (f === PhantomFinding.Atelectasis) atelectasis[lungs[p] === LungLabel.RightLung ? 0 : 1]++;
    }
  }
  for (let k = 0; k < g.nz; k++) {
    const base = k * sliceSize;
    for (let p = base; p < base + sliceSize; p++) {
      const l = lungs[p];
      if (l === 0) continue;
      lungCount[l]++;
      perLung[l][infection[p]]++;
      lesionCount[lesionId[p]]++;
      if (k < first[l]) first[l] = k;
      if (k > last[l]) last[l] = k;
    }
  }
  const ggo = perLung[1][1] + perLung[2][1];
  const cons = perLung[1][2] + perLung[2][2];
  const side = (label: number): PhantomTruth['perLung'][LungSide] => ({
    groundGlassOpacity: ml(perLung[label][1]),
    consolidation: ml(perLung[label][2]),
    involvedPercent: lungCount[label] > 0 ? ((perLung[label][1] + perLung[label][2]) / lungCount[label]) * 100 : 0,
  });
  const slices = (label: number): PhantomTruth['lungSlices'][LungSide] => {
    const f = Number.isFinite(first[label]) ? first[label] : 0;
    const l = last[label] >= 0 ? last[label] : -1;
    const h = (l - f + 1) / 3;
    const b1 = f + Math.round(h);
    const b2 = f + Math.round(2 * h);
    return { first: f, last: l, zones: { lower: [f, b1 - 1], middle: [b1, b2 - 1], upper: [b2, l] } };
  };
  return {
    generator: 'opal-chest-phantom',
    version: 1,
    seed,
    profile,
    dims: [g.nx, g.ny, g.nz],
    spacingMm: [g.sp, g.sp, g.dz],
    originMm: [g.x0, g.y0, g.z0],
    voxelVolumeMl,
    lungs: { right: ml(lungCount[1]), left: ml(lungCount[2]), total: ml(lungCount[1] + lungCount[2]) },
    infection: { groundGlassOpacity: ml(ggo), consolidation: ml(cons), total: ml(ggo + cons) },
    perLung: { right: side(LungLabel.RightLung), left: side(LungLabel.LeftLung) },
    lungSlices: { right: slices(LungLabel.RightLung), left: slices(LungLabel.LeftLung) },
    lesions: plans.map((p, i) => ({
      id: i + 1,
      label: p.label,
      className: p.label === InfectionLabel.GroundGlassOpacity ? 'ground-glass opacity' : 'consolidation',
      lung: p.lung,
      zone: p.zone,
      peripheral: p.peripheral,
      centreMm: p.centre,
      voxels: lesionCount[i + 1],
      volumeMl: lesionCount[i + 1] * voxelVolumeMl,
    })),
    huRanges: { groundGlassOpacity: PHANTOM_GGO_HU, consolidation: PHANTOM_CONSOLIDATION_HU, effusion: PHANTOM_EFFUSION_HU, atelectasis: PHANTOM_ATELECTASIS_HU },
    effusion: { right: ml(effusion[0]), left: ml(effusion[1]), total: ml(effusion[0] + effusion[1]) },
    atelectasis: { right: ml(atelectasis[0]), left: ml(atelectasis[1]), total: ml(atelectasis[0] + atelectasis[1]) },
  };
}
