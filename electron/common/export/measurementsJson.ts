/**
 * measurements.json: the numbers OPAL reports for one study, with who/what/when around them.
 *
 * Schema (version 1), validated by `measurementsDocumentSchema`:
 * {
 *   "schema": "opal.measurements", "schemaVersion": 1,
 *   "generatedAt": ISO 8601 UTC time of the export,
 *   "notice": "Investigational software, not a medical device.",
 *   "study": { patientId?, patientName?, studyInstanceUid?, seriesInstanceUid?, studyDate?, seriesDescription? },
 *   "model": { name, version, sha256, executionProvider, executionProviderSetting? (the app's setting), edited },
 *   "measurements": Measurements (electron/common/quant/Measurements.ts): lungs (right/left volume,
 *      GGO/consolidation/infection mL, % involved, six zones with the score's inputs: lung mL,
 *      infection mL, % involved, infection in lesions mL and %, belowMinimum, scoreReason),
 *      infection totals and lesion count, severity (total 0-30, method = zone-based approximation,
 *      minimum = the thresholds a zone must reach to score above 0), lesions (largest first: id,
 *      volumeMl, groundGlassMl, consolidationMl, meanHu, lung, zone, centroidLpsMm, centroidVoxel,
 *      boundingBoxVoxel {min, max}, meanConfidence 0-1, editedMl), voxelVolumeMl, warnings
 *   "review"?: the app's review mode (absent from `opal segment`/`opal measure`): { rule, slicesRanked,
 *      slicesReviewed, rankedSliceNumbers (rank 1 first), reviewedSliceNumbers (ascending), maskEdited,
 *      lastReviewedAt? }; slice numbers as the viewer shows them (axial, 1 = most inferior)
 *   Fields added after the first release are optional in the schema, so older documents still read.
 * }
 */
import { z } from 'zod';
import { OpalError } from '../errors/index.ts';
import type { Measurements, ModelProvenance } from '../quant/index.ts';
import type { VolumeMeta } from '../volume/index.ts';
import type { ReviewRecord } from '../review/index.ts';

export const INVESTIGATIONAL_NOTICE = 'Investigational software, not a medical device.';
export const MEASUREMENTS_SCHEMA_ID = 'opal.measurements';

const finiteNonNegative = z.number().finite().min(0);
const percent = z.number().finite().min(0).max(100);

const zoneSchema = z.object({
  side: z.enum(['right', 'left']),
  zone: z.enum(['upper', 'middle', 'lower']),
  lungVolumeMl: finiteNonNegative,
  infectionMl: finiteNonNegative,
  involvementPercent: percent,
  score: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  // Added after the first release of schemaVersion 1 (the score's inputs): absent from older documents.
  lesionInfectionMl: finiteNonNegative.optional(),
  lesionInvolvementPercent: percent.optional(),
  belowMinimum: z.boolean().optional(),
  scoreReason: z.string().optional(),
});

const voxelIndex = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]);
const finiteVec3 = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);

const lesionSchema = z.object({
  id: z.number().int().min(1),
  volumeMl: finiteNonNegative,
  groundGlassMl: finiteNonNegative,
  consolidationMl: finiteNonNegative,
  meanHu: z.number().finite().nullable(),
  lung: z.enum(['right', 'left', 'outside']),
  zone: z.enum(['upper', 'middle', 'lower']).nullable(),
  centroidLpsMm: finiteVec3,
  centroidVoxel: z.tuple([finiteNonNegative, finiteNonNegative, finiteNonNegative]),
  boundingBoxVoxel: z.object({ min: voxelIndex, max: voxelIndex }),
  meanConfidence: z.number().finite().min(0).max(1).nullable(),
  editedMl: finiteNonNegative,
});

const lungSchema = z.object({
  side: z.enum(['right', 'left']),
  volumeMl: finiteNonNegative,
  groundGlassMl: finiteNonNegative,
  consolidationMl: finiteNonNegative,
  infectionMl: finiteNonNegative,
  involvementPercent: percent,
  zones: z.array(zoneSchema),
});

export const measurementsSchema = z.object({
  schemaVersion: z.literal(1),
  lungs: z.object({ right: lungSchema, left: lungSchema, totalVolumeMl: finiteNonNegative }),
  infection: z.object({
    groundGlassMl: finiteNonNegative,
    consolidationMl: finiteNonNegative,
    totalMl: finiteNonNegative,
    lesionCount: z.number().int().min(0),
    // Added after the first release of schemaVersion 1: absent from documents written before it.
    outsideLungsMl: finiteNonNegative.optional(),
  }),
  severity: z.object({
    total: z.number().int().min(0).max(30),
    max: z.literal(30),
    method: z.string().min(1),
    // Added after the first release of schemaVersion 1, like the fields below: the score's thresholds.
    minimum: z
      .object({ zoneInvolvementPercent: finiteNonNegative, zoneLesionMl: finiteNonNegative, lesionVolumeMl: finiteNonNegative })
      .optional(),
  }),
  /** Every lesion, largest first. */
  lesions: z.array(lesionSchema).optional(),
  voxelVolumeMl: z.number().finite().positive(),
  warnings: z.array(z.string()),
});

export const modelProvenanceSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  sha256: z.string(),
  executionProvider: z.string().min(1),
  executionProviderSetting: z.string().min(1).optional(),
  edited: z.boolean(),
});

export const studyIdentifiersSchema = z.object({
  patientId: z.string().optional(),
  patientName: z.string().optional(),
  studyInstanceUid: z.string().optional(),
  seriesInstanceUid: z.string().optional(),
  studyDate: z.string().optional(),
  seriesDescription: z.string().optional(),
});
export type StudyIdentifiers = z.infer<typeof studyIdentifiersSchema>;

const sliceNumber = z.number().int().min(1);
/** common/review/reviewRecord.ts ReviewRecord. Added after the first release of schemaVersion 1: optional. */
export const reviewRecordSchema = z.object({
  rule: z.string(),
  slicesRanked: z.number().int().min(0),
  slicesReviewed: z.number().int().min(0),
  rankedSliceNumbers: z.array(sliceNumber),
  reviewedSliceNumbers: z.array(sliceNumber),
  maskEdited: z.boolean(),
  lastReviewedAt: z.iso.datetime().optional(),
});

export const measurementsDocumentSchema = z.object({
  schema: z.literal(MEASUREMENTS_SCHEMA_ID),
  schemaVersion: z.literal(1),
  generatedAt: z.iso.datetime(),
  notice: z.literal(INVESTIGATIONAL_NOTICE),
  study: studyIdentifiersSchema,
  model: modelProvenanceSchema,
  measurements: measurementsSchema,
  review: reviewRecordSchema.optional(),
});
export type MeasurementsDocument = z.infer<typeof measurementsDocumentSchema>;

// The schema and the shared TypeScript shapes must agree: these fail to compile if they drift.
const _measurementsAgree: (m: Measurements) => z.infer<typeof measurementsSchema> = (m) => m;
const _provenanceAgrees: (m: ModelProvenance) => z.infer<typeof modelProvenanceSchema> = (m) => m;
const _reviewAgrees: (r: ReviewRecord) => z.infer<typeof reviewRecordSchema> = (r) => r;
void _reviewAgrees;
void _measurementsAgree;
void _provenanceAgrees;

/** Study identifiers from a volume's metadata (only the ones present). */
export function studyIdentifiersFromMeta(meta: VolumeMeta): StudyIdentifiers {
  const pick = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const ids: StudyIdentifiers = {
    patientId: pick(meta.patientId),
    patientName: pick(meta.patientName),
    studyInstanceUid: pick(meta.studyInstanceUid),
    seriesInstanceUid: pick(meta.seriesInstanceUid),
    studyDate: pick(meta.studyDate),
    seriesDescription: pick(meta.seriesDescription),
  };
  return Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined)) as StudyIdentifiers;
}

export function measurementsDocument(args: {
  measurements: Measurements;
  model: ModelProvenance;
  study: StudyIdentifiers;
  generatedAt?: Date;
  /** The app's review marks (review mode). */
  review?: ReviewRecord;
}): MeasurementsDocument {
  return {
    schema: MEASUREMENTS_SCHEMA_ID,
    schemaVersion: 1,
    generatedAt: (args.generatedAt ?? new Date()).toISOString(),
    notice: INVESTIGATIONAL_NOTICE,
    study: args.study,
    model: { ...args.model },
    measurements: args.measurements,
    ...(args.review ? { review: args.review } : {}),
  };
}

/** measurements.json text (UTF-8, two-space indent, trailing newline). */
export function encodeMeasurementsJson(doc: MeasurementsDocument): string {
  const checked = measurementsDocumentSchema.safeParse(doc);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new OpalError('E_BAD_ARGUMENT', `The measurements cannot be exported: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  return `${JSON.stringify(checked.data, null, 2)}\n`;
}
