/**
 * The done-marker: `.opal-done.json`, written last into an output folder when a set of exports has
 * been put in place (commitExportSet.ts). Its presence means every file it lists is complete and is
 * the one OPAL wrote (sha256 and size per file); files in the folder that it does not list are from
 * an earlier export with other formats. A folder with exports but no marker holds no finished set.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const DONE_MARKER = '.opal-done.json';

export const doneMarkerSchema = z.object({
  /** "opal-exports/1": what this file is and its layout version. */
  kind: z.literal('opal-exports/1'),
  /** Random id of the commit that wrote it (a killed commit is recognised by its staging journal). */
  commitId: z.string(),
  completedAt: z.string(),
  /** Formats asked for. */
  formats: z.array(z.string()),
  /** Files of this set, in the folder, in the order written. */
  files: z.array(z.string()),
  sha256: z.record(z.string(), z.string()),
  bytes: z.record(z.string(), z.number()),
  /** Formats asked for that could not be made (e.g. a DICOM SEG for images sharing one SOPInstanceUID). */
  failed: z.array(z.object({ format: z.string(), code: z.string(), message: z.string() })),
  model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }).optional(),
  /** The model file's sha256 (same as model.sha256; kept for batch runs that compare it). */
  modelSha256: z.string().optional(),
  /** The study the exports were made from (opal segment). */
  input: z.string().optional(),
});

export type DoneMarker = z.infer<typeof doneMarkerSchema>;

/** The folder's done-marker, or undefined when there is none or it is not a valid one. */
export async function readDoneMarker(outDir: string): Promise<DoneMarker | undefined> {
  try {
    return doneMarkerSchema.parse(JSON.parse(await readFile(join(outDir, DONE_MARKER), 'utf8')));
  } catch {
    return undefined;
  }
}
