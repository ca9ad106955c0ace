import { z } from 'zod';
import { ErrorCodes, type ErrorCode, type OpalErrorJson } from '../../common/errors/index.ts';
import type { DecodedFrame } from '../../common/dicom/pixels/frames.ts';

/** Messages between DecodePool and decodeWorker (a thread boundary: validated on arrival). */

const pixels = z.union([z.instanceof(Int16Array), z.instanceof(Uint16Array), z.instanceof(Uint8Array), z.instanceof(Int32Array), z.instanceof(Uint32Array)]);

export const decodeRequestSchema = z.object({
  id: z.number().int(),
  frame: z.object({
    transferSyntaxUid: z.string(),
    rows: z.number().int().positive(),
    columns: z.number().int().positive(),
    bitsAllocated: z.number().int(),
    bitsStored: z.number().int(),
    highBit: z.number().int(),
    pixelRepresentation: z.union([z.literal(0), z.literal(1)]),
    samplesPerPixel: z.number().int().positive(),
    photometricInterpretation: z.string(),
    planarConfiguration: z.number().int().optional(),
    data: z.instanceof(Uint8Array),
  }),
});
export type DecodeRequest = z.infer<typeof decodeRequestSchema>;

const errorCode = z.string().refine((c): c is ErrorCode => c in ErrorCodes) as unknown as z.ZodType<ErrorCode>;

export const decodeResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    id: z.number().int(),
    ok: z.literal(true),
    frame: z.object({ pixels, rows: z.number().int(), columns: z.number().int(), samplesPerPixel: z.number().int(), lossy: z.boolean() }),
  }),
  z.object({
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ code: errorCode, message: z.string(), detail: z.string().optional() }),
  }),
]);
/** What the worker sends; decodeResponseSchema checks it on arrival. */
export type DecodeResponse = { id: number; ok: true; frame: DecodedFrame } | { id: number; ok: false; error: OpalErrorJson };
